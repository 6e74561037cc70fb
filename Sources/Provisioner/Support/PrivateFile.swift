import Foundation

/// Replacing a file that holds credentials (a kubeconfig) so that no one else can read them at
/// any moment: the new content goes to a temporary file in the same directory that is created
/// with mode 0600 (`open(O_CREAT|O_EXCL, 0600)`, so an existing file or a planted symlink is never
/// written through), is flushed to disk, then gets the original file's mode and owner, and only
/// then is renamed over it. A new file stays 0600.
///
/// The plain ways leave a gap: `FileManager.createFile(atPath:contents:attributes:)` writes with
/// the umask's mode (0644) and applies the attributes afterwards, and a chmod after the write
/// leaves the credentials world-readable in between.
enum PrivateFile {
    /// The mode of a file that did not exist before.
    static let newFileMode: mode_t = 0o600

    /// Replaces (or creates) `path` with `text`. `afterWrite` sees the temporary file once the
    /// content is written and flushed, before it gets its final mode (for tests).
    static func replace(_ path: String, with text: String, afterWrite: (String) -> Void = { _ in }) throws(ProvisionerError) {
        let target = resolvedTarget(path)
        let directory = (target as NSString).deletingLastPathComponent.isEmpty ? "." : (target as NSString).deletingLastPathComponent
        func failure(_ reason: String) -> ProvisionerError {
            ProvisionerError(.fileUnwritable, "cannot write kubeconfig \(path): \(reason)")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw failure("cannot create \(directory): \(error.localizedDescription)")
        }
        var original = stat()
        let exists = stat(target, &original) == 0
        let temporary = "\(directory)/.\((target as NSString).lastPathComponent).kinvm-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, newFileMode)
        guard fd >= 0 else { throw failure("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var closed = false
        defer { if !closed { close(fd) } }
        do throws(ProvisionerError) {
            try writeAll(Array(text.utf8), to: fd, failure: failure)
            guard fsync(fd) == 0 else { throw failure("cannot flush \(temporary): \(String(cString: strerror(errno)))") }
            afterWrite(temporary)
            if exists {
                if original.st_uid != geteuid() || original.st_gid != getegid(), fchown(fd, original.st_uid, original.st_gid) != 0 {
                    throw failure("cannot give the new file the owner of the old one: \(String(cString: strerror(errno)))")
                }
                guard fchmod(fd, original.st_mode & 0o7777) == 0 else {
                    throw failure("cannot give the new file the mode of the old one: \(String(cString: strerror(errno)))")
                }
            }
            closed = true
            guard close(fd) == 0 else { throw failure("cannot close \(temporary): \(String(cString: strerror(errno)))") }
            guard rename(temporary, target) == 0 else { throw failure(String(cString: strerror(errno))) }
        } catch {
            unlink(temporary)
            throw error
        }
        syncDirectory(directory)
    }

    /// A symlinked kubeconfig (dotfiles) is replaced at its target, as kubectl writes through it.
    static func resolvedTarget(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func writeAll(_ bytes: [UInt8], to fd: Int32, failure: (String) -> ProvisionerError) throws(ProvisionerError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw failure(String(cString: strerror(errno)))
            }
            offset += written
        }
    }

    /// The rename is durable once the directory is flushed; failing that is not an error.
    static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
