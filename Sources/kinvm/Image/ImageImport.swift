import ArgumentParser
import Foundation
import Provisioner

struct ImageImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Stream a qcow2 or raw image file into a storage pool.",
        discussion: """
            The format is detected from the file (other formats, compressed files and qcow2 images \
            with a backing file are refused). With --sha256 the file is checked before anything is \
            created. A progress bar is drawn on stderr when it is a terminal, else a line every 10%.
            """)

    @Argument(help: "The image file.")
    var file: String

    @Option(help: "Volume name (default: the file's name).")
    var name: String?

    @OptionGroup var pool: PoolOption

    @Option(help: ArgumentHelp("The file's expected SHA-256.", valueName: "hex"))
    var sha256: String?

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard !file.isEmpty else { throw ValidationError("the image file path is empty") }
        do {
            try ImageStore.validateVolumeName(name ?? ImageStore.baseName(file))
            if let sha256 { _ = try ImageStore.normalizeSHA256(sha256) }
        } catch {
            throw ValidationError(error.message)
        }
    }

    func run() async throws {
        let reporter = ProgressReporter(interactive: isatty(STDERR_FILENO) == 1)
        let image = try await ImageCommand.withStore(connection) { store throws(ProvisionerError) in
            defer { reporter.finish() }
            return try await store.importImage(
                from: file, name: name, pool: pool.pool, expectedSHA256: sha256, progress: { reporter.report($0) })
        }
        print("imported \(image.pool)/\(image.name): \(image.format), \(Rendering.bytes(image.capacity)) virtual, \(image.path)")
    }
}
