import Foundation
import Synchronization
import Testing

@testable import Libvirt

// The test driver creates streams but moves no data through them (virStreamSend/Recv/Finish are
// "not supported"), and it has no volume upload or download. These tests cover what it does
// allow, and drive the chunked upload/download loops with an in-memory stream. The real
// upload -> download round trip is in LibvirtIntegrationTests/StorageStreamIntegrationTests.swift.

@Suite("Stream on the test driver")
struct StreamTests {
    @Test("a new stream is open; data calls are unsupported; abort ends it; later calls are refused")
    func lifecycle() async throws {
        let connection = try await TestDriver.open()
        let stream = try await connection.newStream()
        #expect(stream.state == .open)
        #expect(stream.flags == [])
        let send = await expectLibvirtError(.notSupported) { try await stream.send([1, 2, 3]) }
        #expect(send?.operation == "virStreamSend")
        #expect(send?.domain == .streams)
        #expect(send?.object == "stream")
        await expectLibvirtError(.notSupported) { try await stream.receive(max: 16) }
        await expectLibvirtError(.notSupported) { try await stream.finish() }
        #expect(stream.state == .open)
        try await stream.send([])  // nothing to send: no call at all

        try await stream.abort()
        #expect(stream.state == .aborted)
        try await stream.abort()  // a second abort does nothing
        let refused = await expectLibvirtError(.operationInvalid) { try await stream.send([1]) }
        #expect(refused?.message.contains("already aborted") == true)
        #expect(refused?.domain == .binding)
        await expectLibvirtError(.operationInvalid) { try await stream.receive() }
        await expectLibvirtError(.operationInvalid) { try await stream.finish() }
    }

    @Test("receive needs a positive size; non-blocking streams are created with their flag")
    func arguments() async throws {
        let connection = try await TestDriver.open()
        let stream = try await connection.newStream(flags: .nonBlocking)
        #expect(stream.flags == .nonBlocking)
        await expectLibvirtError(.invalidArg) { try await stream.receive(max: 0) }
    }

    @Test("streams of a closed connection fail with invalidConnection")
    func closedConnection() async throws {
        let connection = try await TestDriver.open()
        let stream = try await connection.newStream()
        await connection.close()
        await expectLibvirtError(.invalidConnection) { try await connection.newStream() }
        await expectLibvirtError(.invalidConnection) { try await stream.send([1]) }
        await expectLibvirtError(.invalidConnection) { try await stream.abort() }
    }

    @Test("upload and download fail cleanly: the error names the volume and 0 bytes, the stream is aborted")
    func volumeTransfersUnsupported() async throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let (connection, pool) = try await StorageTests.Volumes.scratchPool(directory)
        let volume = try await pool.createVolume(xml: rawVolumeXML(name: "disk.raw"))
        let stream = try await connection.newStream()
        var calls = 0
        let upload = await expectLibvirtError(.notSupported) {
            try await volume.upload(
                from: .bytes([1, 2, 3]), offset: 0, length: nil, chunkSize: 2, on: stream, progress: { _ in calls += 1 })
        }
        #expect(upload?.operation == "virStorageVolUpload")
        #expect(upload?.object == "volume 'disk.raw'")
        #expect(upload?.message.contains("upload to volume 'disk.raw' failed after 0 of 3 bytes; the stream was aborted") == true)
        #expect(stream.state == .aborted)
        #expect(calls == 0)

        let download = await expectLibvirtError(.notSupported) { try await volume.download() }
        #expect(download?.operation == "virStorageVolDownload")
        #expect(download?.message.contains("download from volume 'disk.raw' failed after 0 bytes") == true)
        let file = "\(directory.path)/copy.raw"
        await expectLibvirtError(.notSupported) { try await volume.download(toFile: file, length: 10) }
        #expect(FileManager.default.fileExists(atPath: file) == false)
    }

    @Test("bad sources and chunk sizes are refused before anything is sent")
    func badSources() async throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let (_, pool) = try await StorageTests.Volumes.scratchPool(directory)
        let volume = try await pool.createVolume(xml: rawVolumeXML(name: "disk.raw"))
        let missing = await expectLibvirtError(.systemError) {
            try await volume.upload(from: .file(path: "\(directory.path)/missing.img"))
        }
        #expect(missing?.operation == "open")
        #expect(missing?.message.contains("No such file or directory") == true)
        await expectLibvirtError(.invalidArg) { try await volume.upload(from: .bytes([1, 2]), length: 3) }
        await expectLibvirtError(.invalidArg) { try await volume.upload(from: .bytes([1]), chunkSize: 0) }
        await expectLibvirtError(.invalidArg) { try await volume.download(chunkSize: -1) }
        let unwritable = await expectLibvirtError(.systemError) {
            try await volume.download(toFile: "\(directory.path)/no/such/dir/x")
        }
        #expect(unwritable?.message.contains("cannot create") == true)
        #expect(unwritable?.message.contains("stream") == false)
    }
}

extension StreamTests {
    @Suite("Chunked stream transfers")
    struct Transfers {
        static let label = TransferLabel(verb: "upload to", object: "volume 'disk.raw'", operation: "virStorageVolUpload")

        static func randomBytes(_ count: Int) -> [UInt8] {
            var generator = SystemRandomNumberGenerator()
            return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        }

        @Test("an upload goes out in chunks of the chunk size, then finishes", arguments: [1, 7, 4096, 10_000])
        func uploadChunks(chunkSize: Int) async throws {
            let data = Self.randomBytes(10_000 + 123)
            let stream = FakeStream()
            var reported: [UInt64] = []
            let sent = try await StreamTransfer.upload(
                from: MemorySource(data), to: stream, length: UInt64(data.count), chunkSize: chunkSize, label: Self.label,
                progress: { reported.append($0) })
            #expect(sent == UInt64(data.count))
            #expect(stream.sent.flatMap { $0 } == data)
            #expect(stream.sent.dropLast().allSatisfy { $0.count == chunkSize })
            #expect(stream.sent.last!.count == (data.count % chunkSize == 0 ? chunkSize : data.count % chunkSize))
            var total: UInt64 = 0
            let expected = stream.sent.map { chunk in
                total += UInt64(chunk.count)
                return total
            }
            #expect(reported == expected)
            #expect(stream.events.last == .finish)
        }

        @Test("a length shorter than the source sends exactly that many bytes")
        func uploadPrefix() async throws {
            let stream = FakeStream()
            let sent = try await StreamTransfer.upload(
                from: MemorySource(Array(0..<100)), to: stream, length: 30, chunkSize: 16, label: Self.label,
                progress: { _ in })
            #expect(sent == 30)
            #expect(stream.sent.flatMap { $0 } == Array(0..<30))
        }

        @Test("a source that ends early aborts the stream")
        func shortSource() async throws {
            let stream = FakeStream()
            let error = await expectLibvirtError(.invalidArg) {
                try await StreamTransfer.upload(
                    from: MemorySource(Array(repeating: 1, count: 50)), to: stream, length: 80, chunkSize: 32,
                    label: Self.label, progress: { _ in })
            }
            #expect(error?.message.contains("failed after 50 of 80 bytes") == true)
            #expect(error?.message.contains("the source ended after 50 of 80 bytes") == true)
            #expect(stream.events.last == .abort)
            #expect(!stream.events.contains(.finish))
        }

        @Test("a progress callback that throws half-way stops the upload and aborts the stream")
        func callbackThrows() async throws {
            struct Stop: Error {}
            let stream = FakeStream()
            let error = await expectLibvirtError(.operationAborted) {
                try await StreamTransfer.upload(
                    from: MemorySource(Array(repeating: 7, count: 1000)), to: stream, length: 1000, chunkSize: 100,
                    label: Self.label, progress: { sent in if sent >= 500 { throw Stop() } })
            }
            #expect(error?.object == "volume 'disk.raw'")
            #expect(error?.operation == "virStorageVolUpload")
            #expect(error?.message.contains("failed after 500 of 1000 bytes; the stream was aborted") == true)
            #expect(error?.message.contains("the progress callback threw: Stop()") == true)
            #expect(stream.sent.count == 5)
            #expect(stream.events.last == .abort)
        }

        @Test("cancelling the task stops the transfer between chunks")
        func cancellation() async throws {
            let stream = FakeStream()
            let task = Task {
                try await StreamTransfer.upload(
                    from: MemorySource(Array(repeating: 7, count: 1000)), to: stream, length: nil, chunkSize: 100,
                    label: Self.label, progress: { sent in if sent == 300 { withUnsafeCurrentTask { $0?.cancel() } } })
            }
            let error = await expectLibvirtError(.operationAborted) { try await task.value }
            #expect(error?.message.contains("failed after 300 bytes") == true)
            #expect(error?.message.contains("cancelled") == true)
            #expect(stream.events.last == .abort)
        }

        @Test("a failing send or finish keeps libvirt's code and aborts", arguments: [FakeStream.Event.send, .finish])
        func streamFailure(failing: FakeStream.Event) async throws {
            let stream = FakeStream(failOn: failing, afterSends: 2)
            let error = await expectLibvirtError(.rpc) {
                try await StreamTransfer.upload(
                    from: MemorySource(Array(repeating: 7, count: 300)), to: stream, length: 300, chunkSize: 100,
                    label: Self.label, progress: { _ in })
            }
            let sent = failing == .send ? 200 : 300
            #expect(error?.message.contains("failed after \(sent) of 300 bytes") == true)
            #expect(error?.operation == (failing == .send ? "virStreamSend" : "virStreamFinish"))
            #expect(stream.events.last == .abort)
        }

        @Test("a download collects every chunk, reports progress and finishes; a failure aborts")
        func download() async throws {
            let data = Self.randomBytes(1000)
            let chunks = stride(from: 0, to: data.count, by: 300).map { Array(data[$0..<min($0 + 300, data.count)]) }
            let stream = FakeStream(incoming: chunks)
            let sink = MemorySink()
            var reported: [UInt64] = []
            let label = TransferLabel(verb: "download from", object: "volume 'v'", operation: "virStorageVolDownload")
            let received = try await StreamTransfer.download(
                from: stream, to: sink, length: nil, chunkSize: 300, label: label, progress: { reported.append($0) })
            #expect(received == 1000)
            #expect(sink.bytes == data)
            #expect(reported == [300, 600, 900, 1000])
            #expect(stream.events.last == .finish)

            let failing = FakeStream(incoming: [[1, 2], [3]], failOn: .receive, afterSends: 0, afterReceives: 1)
            let error = await expectLibvirtError(.rpc) {
                try await StreamTransfer.download(
                    from: failing, to: MemorySink(), length: 3, chunkSize: 2, label: label, progress: { _ in })
            }
            #expect(error?.message.contains("download from volume 'v' failed after 2 of 3 bytes") == true)
            #expect(failing.events.last == .abort)
        }

        @Test("files are read chunk by chunk from the descriptor's position, never whole")
        func fileSource() async throws {
            let directory = try ScratchDirectory()
            defer { directory.remove() }
            let data = Self.randomBytes(100_000)
            let path = "\(directory.path)/source.img"
            try Data(data).write(to: URL(fileURLWithPath: path))

            let source = try await FileSource.open(path: path, executor: .shared)
            #expect(source.remaining == 100_000)
            let stream = FakeStream()
            let sent = try await StreamTransfer.upload(
                from: source, to: stream, length: source.remaining, chunkSize: 4096, label: Self.label, progress: { _ in })
            #expect(sent == 100_000)
            #expect(stream.sent.allSatisfy { $0.count <= 4096 })
            #expect(stream.sent.flatMap { $0 } == data)

            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seek(toOffset: 99_000)
            let borrowed = FileSource.borrowing(descriptor: handle.fileDescriptor, executor: .shared)
            #expect(borrowed.remaining == 1000)
            #expect(try await borrowed.read(max: 5000) == Array(data[99_000...]))
            #expect(try await borrowed.read(max: 5000).isEmpty)
        }
    }
}

/// An in-memory stand-in for ``Stream``: records what is sent, serves prepared chunks, and fails
/// on request with an RPC error.
final class FakeStream: TransferStream, @unchecked Sendable {
    // @unchecked Sendable: the transfer loops use a stream from one task at a time; `state` is
    // behind a mutex anyway.
    enum Event: Sendable, Hashable { case send, receive, finish, abort }

    private struct State {
        var sent: [[UInt8]] = []
        var incoming: [[UInt8]]
        var events: [Event] = []
        var receives = 0
    }

    private let state: Mutex<State>
    private let failOn: Event?
    private let afterSends: Int
    private let afterReceives: Int

    init(incoming: [[UInt8]] = [], failOn: Event? = nil, afterSends: Int = 0, afterReceives: Int = 0) {
        state = Mutex(State(incoming: incoming))
        self.failOn = failOn
        self.afterSends = afterSends
        self.afterReceives = afterReceives
    }

    var sent: [[UInt8]] { state.withLock { $0.sent } }
    var events: [Event] { state.withLock { $0.events } }

    private func failure(_ event: Event, _ operation: String) -> LibvirtError? {
        state.withLock { state in
            state.events.append(event)
            let due = failOn == event && state.sent.count >= afterSends && state.receives >= afterReceives
            return due ? LibvirtError(code: .rpc, domain: .rpc, message: "connection lost", operation: operation) : nil
        }
    }

    func send(_ bytes: [UInt8]) async throws(LibvirtError) {
        if let error = failure(.send, "virStreamSend") { throw error }
        state.withLock { $0.sent.append(bytes) }
    }

    func receive(max: Int) async throws(LibvirtError) -> [UInt8]? {
        if let error = failure(.receive, "virStreamRecv") { throw error }
        return state.withLock { state in
            state.receives += 1
            return state.incoming.isEmpty ? nil : state.incoming.removeFirst()
        }
    }

    func finish() async throws(LibvirtError) {
        if let error = failure(.finish, "virStreamFinish") { throw error }
    }

    func abort() async throws(LibvirtError) {
        _ = failure(.abort, "virStreamAbort")
    }
}
