import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Files replaced whole: written to a temporary file beside the target with the final mode,
/// flushed to disk, then renamed over it, so a reader (or a reboot) sees the old or the new
/// content, never a part.
enum AtomicFile {
    static func write(_ data: Data, to path: String, mode: mode_t) throws {
        let temporary = "\(path).tmp\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw failure("cannot create \(temporary)") }
        var closed = false
        defer {
            if !closed { close(descriptor) }
        }
        guard fchmod(descriptor, mode) == 0 else { throw failure("cannot chmod \(temporary)") }
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var written = 0
            while written < buffer.count {
                let result = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if result < 0, errno == EINTR { continue }
                guard result > 0 else { throw failure("cannot write \(temporary)") }
                written += result
            }
        }
        guard fsync(descriptor) == 0 else { throw failure("cannot sync \(temporary)") }
        closed = true
        guard close(descriptor) == 0 else { throw failure("cannot close \(temporary)") }
        guard rename(temporary, path) == 0 else {
            let error = failure("cannot rename \(temporary) to \(path)")
            unlink(temporary)
            throw error
        }
    }

    private static func failure(_ what: String) -> PersistenceError {
        PersistenceError(description: "\(what): \(String(cString: strerror(errno)))")
    }
}
