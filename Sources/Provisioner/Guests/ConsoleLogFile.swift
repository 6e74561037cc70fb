import DomainTemplates
import Foundation

extension GuestManager {
    /// The console log of `spec` read from this machine's file system.
    func readConsoleLog(of spec: DomainSpec, guest: String) throws(ProvisionerError) -> String {
        try Self.readConsoleLog(at: spec.consoleLog, guest: guest, uri: connection.uri)
    }

    /// The console log at `path` (the spec's), for a guest on the daemon at `uri`.
    static func readConsoleLog(at path: String?, guest: String, uri: String) throws(ProvisionerError) -> String {
        guard let path else {
            throw ProvisionerError(
                .notFound, "guest '\(guest)' has no console log file (its serial console does not log to a file)")
        }
        guard isLocal(uri: uri) else {
            throw ProvisionerError(
                .unsupported,
                "the console log of guest '\(guest)' is on the hypervisor host at \(path) (\(uri) is remote); "
                    + "read it there")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw ProvisionerError(
                .notFound, "the console log of guest '\(guest)' does not exist at \(path) (the guest may never have run)")
        }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return String(decoding: data, as: UTF8.self)
        } catch {
            throw ProvisionerError(.fileUnreadable, "cannot read the console log of guest '\(guest)' at \(path): \(error)")
        }
    }

    /// The last `count` lines of the console log, when it is readable here; nil otherwise.
    func consoleTail(of spec: DomainSpec, guest: String, lines count: Int = 20) -> String? {
        guard let text = try? readConsoleLog(of: spec, guest: guest) else { return nil }
        return Self.tail(text, lines: count)
    }

    /// The last `count` non-empty lines of `text`.
    static func tail(_ text: String, lines count: Int) -> String {
        text.split(whereSeparator: \.isNewline).suffix(count).joined(separator: "\n")
    }
}
