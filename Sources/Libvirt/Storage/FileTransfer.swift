#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Files as sources and sinks of volume transfers. File I/O blocks like a libvirt call, so every
// read, write and open runs on the connection's executor, one chunk at a time: a file is never
// loaded whole.

/// Reads a file descriptor in chunks, from its current position.
final class FileSource: TransferSource, @unchecked Sendable {
    // @unchecked Sendable: the descriptor is immutable; the transfer loop reads it from one task,
    // one chunk at a time, and the kernel keeps the position.
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let executor: LibvirtExecutor
    /// Bytes from the current position to the end, for a regular file.
    let remaining: UInt64?

    private init(descriptor: Int32, ownsDescriptor: Bool, executor: LibvirtExecutor) {
        self.descriptor = descriptor
        self.ownsDescriptor = ownsDescriptor
        self.executor = executor
        var status = stat()
        let position = lseek(descriptor, 0, SEEK_CUR)
        if fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, position >= 0 {
            remaining = UInt64(max(0, Int64(status.st_size) - Int64(position)))
        } else {
            remaining = nil
        }
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    /// Opens `path` read-only (on the executor).
    static func open(path: String, executor: LibvirtExecutor) async throws(LibvirtError) -> FileSource {
        try await executor.run { () -> Result<FileSource, LibvirtError> in
            let descriptor = systemOpen(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return .failure(.fileError("cannot open '\(path)'", operation: "open")) }
            return .success(FileSource(descriptor: descriptor, ownsDescriptor: true, executor: executor))
        }
    }

    /// Reads from a descriptor the caller owns and keeps open.
    static func borrowing(descriptor: Int32, executor: LibvirtExecutor) -> FileSource {
        FileSource(descriptor: descriptor, ownsDescriptor: false, executor: executor)
    }

    func read(max: Int) async throws(LibvirtError) -> [UInt8] {
        try await executor.run { () -> Result<[UInt8], LibvirtError> in
            var failure: LibvirtError?
            let bytes = [UInt8](unsafeUninitializedCapacity: max) { buffer, count in
                var result: Int
                repeat {
                    result = systemRead(self.descriptor, buffer.baseAddress, max)
                } while result < 0 && errno == EINTR
                if result < 0 { failure = .fileError("cannot read the source", operation: "read") }
                count = Swift.max(result, 0)
            }
            return failure.map { .failure($0) } ?? .success(bytes)
        }
    }
}

/// Writes downloaded chunks to a file it created, and removes that file when the download fails.
final class FileSink: TransferSink, @unchecked Sendable {
    // @unchecked Sendable: the descriptor is immutable and written from one task, chunk by chunk.
    private let descriptor: Int32
    private let executor: LibvirtExecutor
    let path: String

    private init(descriptor: Int32, path: String, executor: LibvirtExecutor) {
        self.descriptor = descriptor
        self.path = path
        self.executor = executor
    }

    deinit {
        close(descriptor)
    }

    /// Creates (or truncates) `path` for writing, mode 0644 before the umask (on the executor).
    static func create(path: String, executor: LibvirtExecutor) async throws(LibvirtError) -> FileSink {
        try await executor.run { () -> Result<FileSink, LibvirtError> in
            let descriptor = systemOpen(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { return .failure(.fileError("cannot create '\(path)'", operation: "open")) }
            return .success(FileSink(descriptor: descriptor, path: path, executor: executor))
        }
    }

    func write(_ bytes: [UInt8]) async throws(LibvirtError) {
        try await executor.run { () -> Result<Void, LibvirtError> in
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = systemWrite(self.descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return .failure(.fileError("cannot write '\(self.path)'", operation: "write"))
                    }
                    offset += written
                }
                return .success(())
            }
        }
    }

    /// Deletes the (partial) file after a failed download.
    func remove() async {
        _ = try? await executor.run { () -> Result<Void, LibvirtError> in
            unlink(self.path)
            return .success(())
        }
    }
}

extension LibvirtError {
    /// The binding's error for a failed file operation, with `errno`'s text. Call right after it.
    static func fileError(_ what: String, operation: String) -> LibvirtError {
        let reason = String(cString: strerror(errno))
        return LibvirtError(code: .systemError, message: "\(what): \(reason)", operation: operation)
    }
}

// The C calls under names that the methods `open`, `read` and `write` above do not shadow.
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 { open(path, flags, mode) }
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
