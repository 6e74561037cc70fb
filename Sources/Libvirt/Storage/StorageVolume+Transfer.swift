import CLibvirt

// Reading and writing a volume's contents through a ``Stream``.
//
// Streams here are plain, not sparse (`VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM` and its download
// twin are not used yet): every byte moves, holes included. A sparse raw volume therefore
// downloads as its full capacity of bytes, and uploading into it allocates what was a hole. The
// bytes are the volume's file as is: a qcow2 volume up- or downloads as the qcow2 file itself,
// never converted.

extension StorageVolume {
    /// Where ``upload(from:offset:length:chunkSize:progress:)`` reads the bytes it sends.
    public enum UploadSource: Sendable {
        /// Bytes in memory.
        case bytes([UInt8])
        /// A file, opened read-only and read chunk by chunk (never loaded whole).
        case file(path: String)
        /// An open file descriptor the caller owns, read from its current position; not closed.
        case fileDescriptor(Int32)
    }

    /// Attaches `stream` to an upload of `length` bytes (0: up to the end of the volume) at
    /// `offset` (`virStorageVolUpload`). Then ``Stream/send(_:)`` the data and ``Stream/finish()``,
    /// or ``Stream/abort()``. ``upload(from:offset:length:chunkSize:progress:)`` does all of it.
    public func startUpload(on stream: Stream, offset: UInt64 = 0, length: UInt64 = 0) async throws(LibvirtError) {
        try await callStatus("virStorageVolUpload") { virStorageVolUpload($0, stream.handle, offset, length, 0) }
    }

    /// Attaches `stream` to a download of `length` bytes (0: up to the end of the volume) from
    /// `offset` (`virStorageVolDownload`). Then ``Stream/receive(max:)`` until nil and
    /// ``Stream/finish()``, or ``Stream/abort()``.
    public func startDownload(on stream: Stream, offset: UInt64 = 0, length: UInt64 = 0) async throws(LibvirtError) {
        try await callStatus("virStorageVolDownload") { virStorageVolDownload($0, stream.handle, offset, length, 0) }
    }

    /// Writes bytes into the volume at `offset`: `virStorageVolUpload` on a new blocking stream,
    /// `virStreamSend` chunk by chunk (each on a libvirt thread), then `virStreamFinish`.
    ///
    /// - Parameters:
    ///   - source: bytes, a file or a file descriptor; files are streamed, never loaded whole.
    ///   - length: how many bytes to send; nil sends all of the source. A source that ends sooner
    ///     is an error. Writing past the capacity of a file volume grows the file.
    ///   - progress: called after each chunk with the bytes sent so far. Throwing from it (or
    ///     cancelling the task) stops the upload.
    /// - Returns: the number of bytes sent.
    /// - Throws: on any failure, after aborting the stream (`virStreamAbort`): an error about this
    ///   volume whose message says how many bytes had been sent. It keeps the failed call's code,
    ///   or is `.operationAborted` when the callback threw or the task was cancelled.
    @discardableResult
    public func upload(
        from source: UploadSource, offset: UInt64 = 0, length: UInt64? = nil,
        chunkSize: Int = Stream.defaultChunkSize, progress: (UInt64) async throws -> Void = { _ in }
    ) async throws(LibvirtError) -> UInt64 {
        let stream = try await connection.newStream()
        return try await upload(
            from: source, offset: offset, length: length, chunkSize: chunkSize, on: stream, progress: progress)
    }

    /// ``upload(from:offset:length:chunkSize:progress:)`` on a stream the caller made (tests look
    /// at its state afterwards).
    func upload(
        from source: UploadSource, offset: UInt64, length: UInt64?, chunkSize: Int, on stream: Stream,
        progress: (UInt64) async throws -> Void
    ) async throws(LibvirtError) -> UInt64 {
        let label = TransferLabel(verb: "upload to", object: objectDescription, operation: "virStorageVolUpload")
        let reader: any TransferSource
        var total = length
        do throws(LibvirtError) {
            try Self.checkChunkSize(chunkSize, label)
            reader = try await openSource(source)
            if let length, let remaining = reader.remaining, remaining < length {
                throw LibvirtError(
                    code: .invalidArg, message: "the source has \(remaining) bytes, fewer than the \(length) asked for",
                    operation: label.operation)
            }
            total = length ?? reader.remaining
            try await startUpload(on: stream, offset: offset, length: total ?? 0)
        } catch {
            try? await stream.abort()
            throw label.failure(error, after: 0, of: total)
        }
        return try await StreamTransfer.upload(
            from: reader, to: stream, length: total, chunkSize: chunkSize, label: label, progress: progress)
    }

    /// Reads `length` bytes of the volume (nil: to its end) from `offset` into memory:
    /// `virStorageVolDownload` on a new blocking stream, `virStreamRecv` chunk by chunk, then
    /// `virStreamFinish`. For large volumes prefer ``download(toFile:offset:length:chunkSize:progress:)``.
    /// `progress` and errors work as for ``upload(from:offset:length:chunkSize:progress:)``.
    public func download(
        offset: UInt64 = 0, length: UInt64? = nil, chunkSize: Int = Stream.defaultChunkSize,
        progress: (UInt64) async throws -> Void = { _ in }
    ) async throws(LibvirtError) -> [UInt8] {
        let sink = MemorySink()
        _ = try await download(into: sink, offset: offset, length: length, chunkSize: chunkSize, progress: progress)
        return sink.bytes
    }

    /// Reads the volume (or `length` bytes of it from `offset`) chunk by chunk, handing each chunk
    /// to `consume` as it arrives (to hash or inspect a large volume without holding it).
    /// - Returns: the number of bytes read.
    @discardableResult
    public func download(
        offset: UInt64 = 0, length: UInt64? = nil, chunkSize: Int = Stream.defaultChunkSize,
        consume: @escaping ([UInt8]) -> Void
    ) async throws(LibvirtError) -> UInt64 {
        try await download(into: ClosureSink(consume), offset: offset, length: length, chunkSize: chunkSize, progress: { _ in })
    }

    /// Downloads the volume (or `length` bytes of it from `offset`) into a file that it creates or
    /// truncates, chunk by chunk. When the download fails the file is removed.
    /// - Returns: the number of bytes written.
    @discardableResult
    public func download(
        toFile path: String, offset: UInt64 = 0, length: UInt64? = nil, chunkSize: Int = Stream.defaultChunkSize,
        progress: (UInt64) async throws -> Void = { _ in }
    ) async throws(LibvirtError) -> UInt64 {
        let label = TransferLabel(verb: "download from", object: objectDescription, operation: "virStorageVolDownload")
        let sink: FileSink
        do {
            sink = try await FileSink.create(path: path, executor: connection.executor)
        } catch {
            throw label.failure(error, after: 0, of: length, streamAborted: false)
        }
        do {
            return try await download(into: sink, offset: offset, length: length, chunkSize: chunkSize, progress: progress)
        } catch {
            await sink.remove()
            throw error
        }
    }

    private func download(
        into sink: some TransferSink, offset: UInt64, length: UInt64?, chunkSize: Int,
        progress: (UInt64) async throws -> Void
    ) async throws(LibvirtError) -> UInt64 {
        let label = TransferLabel(verb: "download from", object: objectDescription, operation: "virStorageVolDownload")
        let stream = try await connection.newStream()
        do throws(LibvirtError) {
            try Self.checkChunkSize(chunkSize, label)
            try await startDownload(on: stream, offset: offset, length: length ?? 0)
        } catch {
            try? await stream.abort()
            throw label.failure(error, after: 0, of: length)
        }
        return try await StreamTransfer.download(
            from: stream, to: sink, length: length, chunkSize: chunkSize, label: label, progress: progress)
    }

    private func openSource(_ source: UploadSource) async throws(LibvirtError)
        -> any TransferSource
    {
        switch source {
        case .bytes(let bytes):
            MemorySource(bytes)
        case .file(let path):
            try await FileSource.open(path: path, executor: connection.executor)
        case .fileDescriptor(let descriptor):
            FileSource.borrowing(descriptor: descriptor, executor: connection.executor)
        }
    }

    private static func checkChunkSize(_ chunkSize: Int, _ label: TransferLabel) throws(LibvirtError) {
        guard chunkSize > 0 else {
            throw LibvirtError(
                code: .invalidArg, message: "chunk size must be positive, not \(chunkSize)", operation: label.operation)
        }
    }
}
