// The chunked loops behind StorageVolume's upload and download, written against small protocols
// so that tests can drive them with in-memory streams (the test driver has no volume streams).

/// What the transfer loops need from a stream: ``Stream`` in production, a fake in tests.
protocol TransferStream: AnyObject, Sendable {
    func send(_ bytes: [UInt8]) async throws(LibvirtError)
    func receive(max: Int) async throws(LibvirtError) -> [UInt8]?
    func finish() async throws(LibvirtError)
    func abort() async throws(LibvirtError)
}

extension Stream: TransferStream {}

/// Where an upload's bytes come from.
protocol TransferSource: AnyObject {
    /// How many bytes are left, when known (nil for a pipe).
    var remaining: UInt64? { get }
    /// Reads up to `max` bytes; an empty array at the end.
    func read(max: Int) async throws(LibvirtError) -> [UInt8]
}

/// Where a download's bytes go.
protocol TransferSink: AnyObject {
    func write(_ bytes: [UInt8]) async throws(LibvirtError)
}

/// Names a transfer in its errors, e.g. "upload to volume 'disk.raw'".
struct TransferLabel: Sendable {
    /// "upload to" or "download from".
    var verb: String
    /// The volume, as errors name it.
    var object: String
    /// The libvirt call that started the transfer, e.g. `virStorageVolUpload`.
    var operation: String

    /// The error a failed transfer throws: `cause` (code, domain, failed call kept) with a message
    /// that says what was being transferred and how far it got, about the volume.
    func failure(_ cause: LibvirtError, after bytes: UInt64, of total: UInt64?, streamAborted: Bool = true)
        -> LibvirtError
    {
        var error = cause
        let progress = total.map { "\(bytes) of \($0) bytes" } ?? "\(bytes) bytes"
        let aborted = streamAborted ? "; the stream was aborted" : ""
        error.message = "\(verb) \(object) failed after \(progress)\(aborted): \(cause.message)"
        error.object = object
        return error
    }

    /// The binding's own error for a transfer stopped on purpose (callback threw, task cancelled).
    func stopped(_ reason: String) -> LibvirtError {
        LibvirtError(code: .operationAborted, message: reason, operation: operation, object: object)
    }
}

enum StreamTransfer {
    /// Sends `source` (exactly `length` bytes when given, else all of it) in chunks, then finishes
    /// the stream. On any failure — stream, source, `progress` throwing, task cancelled — aborts the
    /// stream and throws ``TransferLabel/failure(_:after:of:)``. Returns the number of bytes sent.
    static func upload(
        from source: some TransferSource, to stream: some TransferStream, length: UInt64?, chunkSize: Int,
        label: TransferLabel, progress: (UInt64) async throws -> Void
    ) async throws(LibvirtError) -> UInt64 {
        var sent: UInt64 = 0
        do throws(LibvirtError) {
            while length.map({ sent < $0 }) ?? true {
                try checkCancellation(label)
                let wanted = length.map { Int(min(UInt64(chunkSize), $0 - sent)) } ?? chunkSize
                let chunk = try await source.read(max: wanted)
                if chunk.isEmpty {
                    guard let length else { break }
                    throw LibvirtError(
                        code: .invalidArg, message: "the source ended after \(sent) of \(length) bytes",
                        operation: label.operation)
                }
                try await stream.send(chunk)
                sent += UInt64(chunk.count)
                try await report(sent, to: progress, label)
            }
            try await stream.finish()
            return sent
        } catch {
            try? await stream.abort()
            throw label.failure(error, after: sent, of: length)
        }
    }

    /// Receives the stream to its end in chunks into `sink`, then finishes it; on any failure aborts
    /// the stream and throws ``TransferLabel/failure(_:after:of:)``. Returns the bytes received.
    static func download(
        from stream: some TransferStream, to sink: some TransferSink, length: UInt64?, chunkSize: Int,
        label: TransferLabel, progress: (UInt64) async throws -> Void
    ) async throws(LibvirtError) -> UInt64 {
        var received: UInt64 = 0
        do throws(LibvirtError) {
            while true {
                try checkCancellation(label)
                guard let chunk = try await stream.receive(max: chunkSize) else { break }
                try await sink.write(chunk)
                received += UInt64(chunk.count)
                try await report(received, to: progress, label)
            }
            try await stream.finish()
            return received
        } catch {
            try? await stream.abort()
            throw label.failure(error, after: received, of: length)
        }
    }

    private static func checkCancellation(_ label: TransferLabel) throws(LibvirtError) {
        if Task.isCancelled { throw label.stopped("the task was cancelled") }
    }

    private static func report(
        _ bytes: UInt64, to progress: (UInt64) async throws -> Void, _ label: TransferLabel
    ) async throws(LibvirtError) {
        do {
            try await progress(bytes)
        } catch is CancellationError {
            throw label.stopped("the progress callback cancelled the transfer")
        } catch {
            throw label.stopped("the progress callback threw: \(error)")
        }
    }
}

/// Bytes in memory, handed out in slices.
final class MemorySource: TransferSource {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: UInt64? { UInt64(bytes.count - position) }

    func read(max: Int) -> [UInt8] {
        let end = min(bytes.count, position + max)
        defer { position = end }
        return Array(bytes[position..<end])
    }
}

/// Collects downloaded bytes in memory.
/// Hands every chunk to a closure.
final class ClosureSink: TransferSink {
    private let consume: ([UInt8]) -> Void
    init(_ consume: @escaping ([UInt8]) -> Void) { self.consume = consume }
    func write(_ bytes: [UInt8]) { consume(bytes) }
}

final class MemorySink: TransferSink {
    private(set) var bytes: [UInt8] = []

    func write(_ bytes: [UInt8]) {
        self.bytes.append(contentsOf: bytes)
    }
}
