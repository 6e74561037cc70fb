import DomainTemplates
import Foundation

extension GuestManager {
    /// The most of a console log kinvm reads: its end.
    static let consoleLogLimit: UInt64 = 16 << 20

    /// The console log of `spec`: read from this machine's file system when the connection is
    /// local and the file is visible here; otherwise (a remote host, or a libvirtd in another
    /// mount namespace) through libvirt, as a volume of a storage pool on its directory
    /// (``HostFiles``). At most the last 16 MiB.
    func readConsoleLog(of spec: DomainSpec, guest: String) async throws(ProvisionerError) -> String {
        guard let path = spec.consoleLog else {
            throw ProvisionerError(.notFound, "guest '\(guest)' has no console log file (its serial console does not log to a file)")
        }
        if Self.isLocal(uri: connection.uri), FileManager.default.isReadableFile(atPath: path) {
            return try Self.readLocalConsoleLog(at: path, guest: guest)
        }
        let bytes: [UInt8]?
        do {
            bytes = try await HostFiles(connection: connection).tail(of: path, limit: Self.consoleLogLimit)
        } catch {
            throw ProvisionerError(error.code, "cannot read the console log of guest '\(guest)': \(error.message)", underlying: error.underlying)
        }
        guard let bytes else {
            throw ProvisionerError(
                .notFound, "the console log of guest '\(guest)' does not exist at \(path) on \(connection.uri) (the guest may never have run)")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The console log at `path` on this machine's file system.
    static func readLocalConsoleLog(at path: String, guest: String) throws(ProvisionerError) -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ProvisionerError(
                .notFound, "the console log of guest '\(guest)' does not exist at \(path) (the guest may never have run)")
        }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return String(decoding: data.suffix(Int(consoleLogLimit)), as: UTF8.self)
        } catch {
            throw ProvisionerError(.fileUnreadable, "cannot read the console log of guest '\(guest)' at \(path): \(error)")
        }
    }

    /// The last `count` non-empty lines of `text`.
    static func tail(_ text: String, lines count: Int) -> String {
        text.split(whereSeparator: \.isNewline).suffix(count).joined(separator: "\n")
    }
}
