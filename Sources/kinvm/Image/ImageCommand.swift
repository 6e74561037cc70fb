import ArgumentParser
import Libvirt
import Logging
import Provisioner

/// `kinvm image …`: base images in storage pools.
struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Import, list and delete base images (qcow2 or raw volumes in storage pools).",
        discussion: """
            Exit status: 0 on success, 1 when the work failed (one line on stderr says why; nothing \
            half-imported is left behind), 64 on bad arguments.
            """,
        subcommands: [ImageImport.self, ImageList.self, ImageDelete.self])
}

/// `--pool`, shared by the image commands.
struct PoolOption: ParsableArguments {
    @Option(help: "Storage pool.")
    var pool = "default"
}

extension ImageCommand {
    /// Opens the connection, runs `body` with an image store on it, and turns failures into one
    /// `kinvm: …` line on stderr and exit status 1.
    static func withStore<T>(_ connection: ConnectionOptions, _ body: (ImageStore) async throws(ProvisionerError) -> T)
        async throws -> T
    {
        try await LibvirtSession.with(connection, logLabel: "kinvm.image") { host, logger in
            try await body(ImageStore(connection: host, logger: logger))
        }
    }
}
