import CLibvirt
import Synchronization

/// A data stream between this process and libvirt, e.g. the contents of a storage volume being
/// uploaded or downloaded (`virStreamPtr`).
///
/// Create one with ``Connection/newStream(flags:)``, attach it to a transfer (e.g.
/// ``StorageVolume/startUpload(on:offset:length:)``), move the bytes with ``send(_:)`` or
/// ``receive(max:)``, then end it with ``finish()`` — or cancel it with ``abort()``, which is also
/// what you must do after any error. Each call runs on a libvirt thread. A stream still open when
/// the last reference goes away is aborted (on a libvirt thread) before it is freed
/// (`virStreamFree`).
public final class Stream: ConnectionObject, @unchecked Sendable {
    // @unchecked Sendable: libvirt serialises calls on a stream internally; the handle is immutable
    // and freed only in deinit, and the transfer state is guarded by a mutex.

    /// Where a stream is in its life.
    public enum State: Sendable, Hashable {
        /// Transferring (or not started yet).
        case open
        /// ``finish()`` succeeded: all data arrived.
        case finished
        /// ``abort()`` was called.
        case aborted
    }

    /// Flags for ``Connection/newStream(flags:)`` (`virStreamFlags`).
    public struct Flags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_STREAM_NONBLOCK`: calls return at once when no data can move (this binding then
        /// polls every millisecond; blocking streams are simpler and no slower here).
        public static let nonBlocking = Flags(rawValue: VIR_STREAM_NONBLOCK.rawValue)
    }

    /// The chunk size the storage transfers use by default: 256 KiB.
    public static let defaultChunkSize = 256 * 1024

    public let connection: Connection
    let handle: OpaquePointer
    /// The flags the stream was created with.
    public let flags: Flags
    private let currentState = Mutex<State>(.open)

    /// Takes ownership of `handle`.
    init(connection: Connection, handle: OpaquePointer, flags: Flags) {
        self.connection = connection
        self.handle = handle
        self.flags = flags
    }

    deinit {
        guard state == .open else {
            virStreamFree(handle)
            return
        }
        // virStreamAbort may be an RPC: do it on a libvirt thread, without waiting for it here.
        let connection = connection
        let stream = UnownedStreamHandle(pointer: handle)
        connection.executor.runDetached {
            _ = connection.withOpenHandle("virStreamAbort") { () -> Result<Void, LibvirtError> in
                if virStreamAbort(stream.pointer) < 0 { virResetLastError() }
                return .success(())
            }
            virStreamFree(stream.pointer)
        }
    }

    var objectDescription: String { "stream" }

    /// Whether the stream is open, finished or aborted.
    public var state: State { currentState.withLock { $0 } }

    // MARK: Transfer

    /// Sends all of `bytes` (`virStreamSend`, repeated until libvirt has taken every byte).
    public func send(_ bytes: [UInt8]) async throws(LibvirtError) {
        var position = 0
        while position < bytes.count {
            let start = position
            position = try await call("virStreamSend") { handle in
                self.requireOpen("virStreamSend").flatMap { Self.send(bytes, from: start, on: handle) }
            }
            if position == start { try await waitForNonBlockingStream("virStreamSend") }
        }
    }

    /// Receives up to `max` bytes (`virStreamRecv`): at least one byte, or nil once the sender has
    /// reached the end. After nil, call ``finish()``.
    public func receive(max: Int = Stream.defaultChunkSize) async throws(LibvirtError) -> [UInt8]? {
        guard max > 0 else {
            throw LibvirtError(
                code: .invalidArg, message: "max must be positive, not \(max)", operation: "virStreamRecv",
                object: objectDescription)
        }
        while true {
            let received = try await call("virStreamRecv") { handle in
                self.requireOpen("virStreamRecv").flatMap { Self.receive(max: max, on: handle) }
            }
            switch received {
            case .data(let bytes): return bytes
            case .end: return nil
            case .wouldBlock: try await waitForNonBlockingStream("virStreamRecv")
            }
        }
    }

    /// Ends the transfer successfully, after the last ``send(_:)`` or after ``receive(max:)``
    /// returned nil (`virStreamFinish`). For an upload, this is when libvirt reports errors writing
    /// the data.
    public func finish() async throws(LibvirtError) {
        try await call("virStreamFinish") { handle in
            self.requireOpen("virStreamFinish").flatMap {
                checkStatus(virStreamFinish(handle), "virStreamFinish").map { _ in
                    self.currentState.withLock { $0 = .finished }
                }
            }
        }
    }

    /// Cancels the transfer (`virStreamAbort`); required after a failed send or receive. Does
    /// nothing when the stream is already finished or aborted.
    public func abort() async throws(LibvirtError) {
        try await call("virStreamAbort") { handle in
            let wasOpen = self.currentState.withLock { state in
                defer { if state == .open { state = .aborted } }
                return state == .open
            }
            guard wasOpen else { return .success(()) }
            return checkStatus(virStreamAbort(handle), "virStreamAbort").map { _ in () }
        }
    }

    // MARK: Helpers (run on a libvirt thread)

    private enum Received: Sendable {
        case data([UInt8])
        case end
        case wouldBlock
    }

    private func requireOpen(_ operation: String) -> Result<Void, LibvirtError> {
        let state = self.state
        guard state == .open else {
            return .failure(
                LibvirtError(code: .operationInvalid, message: "the stream is already \(state)", operation: operation))
        }
        return .success(())
    }

    /// Sends `bytes[start...]` until all is sent or a non-blocking stream would block; returns the
    /// new position.
    private static func send(_ bytes: [UInt8], from start: Int, on handle: OpaquePointer) -> Result<Int, LibvirtError> {
        bytes.withUnsafeBytes { buffer in
            var position = start
            while position < buffer.count {
                let data = buffer.baseAddress!.advanced(by: position).assumingMemoryBound(to: CChar.self)
                let sent = virStreamSend(handle, data, Swift.min(buffer.count - position, Int(Int32.max)))
                if sent == -2 { break }
                if sent < 0 { return .failure(.capture(operation: "virStreamSend")) }
                position += Int(sent)
            }
            return .success(position)
        }
    }

    private static func receive(max: Int, on handle: OpaquePointer) -> Result<Received, LibvirtError> {
        var status: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: max) { buffer, count in
            let data = UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            status = virStreamRecv(handle, data, Swift.min(max, Int(Int32.max)))
            count = Int(Swift.max(status, 0))
        }
        switch status {
        case -2: return .success(.wouldBlock)
        case ..<0: return .failure(.capture(operation: "virStreamRecv"))
        case 0: return .success(.end)
        default: return .success(.data(bytes))
        }
    }

    /// A non-blocking stream had no room or no data: wait a little, unless the task is cancelled.
    private func waitForNonBlockingStream(_ operation: String) async throws(LibvirtError) {
        do {
            try await Task.sleep(nanoseconds: 1_000_000)
        } catch {
            throw LibvirtError(
                code: .operationAborted, message: "cancelled while waiting for the stream", operation: operation,
                object: objectDescription)
        }
    }
}

extension Stream.State: CustomStringConvertible {
    public var description: String {
        switch self {
        case .open: "open"
        case .finished: "finished"
        case .aborted: "aborted"
        }
    }
}

/// A stream handle handed to the libvirt thread that frees it, after its `Stream` is gone.
private struct UnownedStreamHandle: @unchecked Sendable {
    // @unchecked Sendable: only the one closure that frees the handle uses it.
    let pointer: OpaquePointer
}

/// ``Stream`` under a name that does not clash with Foundation's `Stream` in files that import both.
public typealias LibvirtStream = Stream
