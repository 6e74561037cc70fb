import DomainTemplates
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Which console log kinvm may delete with a guest, and how it deletes it.
///
/// A domain's serial log path is read back from the host, where anyone who can edit the domain
/// could point it at any file (`/etc/shadow`, a user's directory). kinvm deletes a console log
/// only when it can prove it chose it: the path it recorded in its metadata at create, still the
/// domain's log, absolute with no `..`, named `NAME-console.log`; and on this machine, only a
/// regular file (not a symlink, directory or device), removed with `unlink`.
enum OwnedConsoleLog {
    /// The console log of `spec` kinvm made, or nil when it cannot prove it made it.
    static func path(of spec: DomainSpec, guest: String) -> String? {
        guard let recorded = spec.metadata?.consoleLog, let path = spec.consoleLog, recorded == path else { return nil }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        guard path.hasPrefix("/"), !components.contains(".."), !components.contains("."),
            components.last.map(String.init) == "\(guest)-console.log"
        else { return nil }
        return path
    }

    /// Unlinks `path` when it is a regular file (checked without following a symlink); false otherwise.
    static func removeRegularFile(_ path: String) -> Bool {
        var status = stat()
        guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return false }
        return unlink(path) == 0
    }
}
