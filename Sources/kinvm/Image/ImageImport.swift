import ArgumentParser
import Foundation
import Provisioner

struct ImageImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Stream a qcow2 or raw image file, or one at an http(s) URL, into a storage pool.",
        discussion: """
            A URL is first downloaded into a private directory in $TMPDIR, which is removed \
            afterwards whatever happens; an error status (404 …), an unreachable server or a \
            download shorter than announced stops the import before anything is created. \
            The format is detected from the file (other formats, compressed files and qcow2 images \
            with a backing file are refused). With --sha256 the file is checked before anything is \
            created. A progress bar is drawn on stderr when it is a terminal, else a line every 10%.
            """)

    @Argument(help: ArgumentHelp("The image file, or an http:// or https:// URL.", valueName: "file|url"))
    var file: String

    @Option(help: "Volume name (default: the file's name, or the URL's last path component).")
    var name: String?

    @OptionGroup var pool: PoolOption

    @Option(help: ArgumentHelp("The file's expected SHA-256.", valueName: "hex"))
    var sha256: String?

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard !file.isEmpty else { throw ValidationError("the image file path is empty") }
        do {
            if ImageDownload.isURL(file) {
                let url = try ImageDownload.url(file)
                if name == nil, ImageDownload.defaultVolumeName(for: url).isEmpty {
                    throw ValidationError("'\(file)' has no file name in its path: give the volume a --name")
                }
                try ImageStore.validateVolumeName(name ?? ImageDownload.defaultVolumeName(for: url))
            } else {
                try ImageStore.validateVolumeName(name ?? ImageStore.baseName(file))
            }
            if let sha256 { _ = try ImageStore.normalizeSHA256(sha256) }
        } catch let error as ProvisionerError {
            throw ValidationError(error.message)
        }
    }

    func run() async throws {
        let reporter = ProgressReporter(interactive: isatty(STDERR_FILENO) == 1)
        let image = try await ImageCommand.withStore(connection) { store throws(ProvisionerError) in
            defer { reporter.finish() }
            if ImageDownload.isURL(file) {
                return try await store.importImage(
                    fromURL: file, name: name, pool: pool.pool, expectedSHA256: sha256, progress: { reporter.report($0) })
            }
            return try await store.importImage(
                from: file, name: name, pool: pool.pool, expectedSHA256: sha256, progress: { reporter.report($0) })
        }
        print("imported \(image.pool)/\(image.name): \(image.format), \(Rendering.bytes(image.capacity)) virtual, \(image.path)")
    }
}
