import CLibvirt
import Synchronization

extension Connection {
    /// Lifecycle events of all domains, or of one domain, as an `AsyncSequence`
    /// (`virConnectDomainEventRegisterAny` with `VIR_DOMAIN_EVENT_ID_LIFECYCLE`).
    ///
    /// libvirt delivers events on its default event loop, which the binding runs on its own
    /// thread. The registration ends (`virConnectDomainEventDeregisterAny`) when the iterating task
    /// stops iterating or is cancelled. Events that arrive while nobody iterates are buffered, up to
    /// `bufferLimit` of the newest ones.
    public func domainEvents(for domain: Domain? = nil, bufferLimit: Int = 1024) async throws(LibvirtError)
        -> AsyncStream<DomainEvent>
    {
        let (stream, continuation) = AsyncStream<DomainEvent>.makeStream(bufferingPolicy: .bufferingNewest(bufferLimit))
        let registration = EventRegistration(connection: self)
        let sink = Unmanaged.passRetained(EventSink(continuation: continuation))
        let callbackID = try await call("virConnectDomainEventRegisterAny") { handle in
            let id = virConnectDomainEventRegisterAny(
                handle, domain?.handle, Int32(VIR_DOMAIN_EVENT_ID_LIFECYCLE.rawValue),
                unsafeBitCast(lifecycleCallback, to: virConnectDomainEventGenericCallback.self),
                sink.toOpaque(), releaseSink)
            if id < 0 {
                sink.release()  // libvirt does not call the free callback when registration fails
            }
            return checkStatus(id, "virConnectDomainEventRegisterAny", domain.map { "domain '\($0.name)'" })
        }
        registration.registered(callbackID)
        continuation.onTermination = { _ in registration.cancel() }
        return stream
    }
}

/// Holds the continuation that a registered callback feeds; retained by libvirt (as the callback's
/// opaque pointer) until it calls `releaseSink`.
private final class EventSink: @unchecked Sendable {
    // @unchecked Sendable: immutable; AsyncStream.Continuation is thread-safe.
    let continuation: AsyncStream<DomainEvent>.Continuation
    init(continuation: AsyncStream<DomainEvent>.Continuation) { self.continuation = continuation }
}

/// Runs on libvirt's event-loop thread. Only reads local fields of the domain (no RPC).
private let lifecycleCallback:
    @convention(c) (OpaquePointer?, OpaquePointer?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32 = {
        _, domain, event, detail, opaque in
        guard let opaque, let domain else { return 0 }
        let sink = Unmanaged<EventSink>.fromOpaque(opaque).takeUnretainedValue()
        let name = virDomainGetName(domain).map { String(cString: $0) } ?? ""
        let uuid = (try? readUUIDString("virDomainGetUUIDString") { virDomainGetUUIDString(domain, $0) }.get()) ?? ""
        sink.continuation.yield(
            DomainEvent(domainName: name, domainUUID: uuid, kind: DomainEvent.Kind(rawValue: event) ?? .unknown, detail: detail))
        return 0
    }

/// libvirt's free callback for the opaque pointer: called once the registration is gone.
private let releaseSink: @convention(c) (UnsafeMutableRawPointer?) -> Void = { opaque in
    guard let opaque else { return }
    let sink = Unmanaged<EventSink>.fromOpaque(opaque).takeRetainedValue()
    sink.continuation.finish()
}

/// Deregisters a callback once, whether the stream ends before or after registration completed.
private final class EventRegistration: Sendable {
    private struct State {
        var callbackID: Int32?
        var cancelled = false
    }

    private let connection: Connection
    private let state = Mutex(State())

    init(connection: Connection) {
        self.connection = connection
    }

    func registered(_ id: Int32) {
        let deregisterNow = state.withLock { state in
            state.callbackID = id
            return state.cancelled
        }
        if deregisterNow { deregister(id) }
    }

    func cancel() {
        let id = state.withLock { state in
            state.cancelled = true
            return state.callbackID
        }
        if let id { deregister(id) }
    }

    private func deregister(_ id: Int32) {
        let connection = self.connection
        connection.executor.runDetached {
            _ = connection.withOpenHandle("virConnectDomainEventDeregisterAny") { () -> Result<Void, LibvirtError> in
                if virConnectDomainEventDeregisterAny(connection.handle, id) < 0 { virResetLastError() }
                return .success(())
            }
        }
    }
}
