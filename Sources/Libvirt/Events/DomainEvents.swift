import CLibvirt
import Synchronization

extension Connection {
    /// Lifecycle events of all domains, or of one domain, as an `AsyncSequence`
    /// (`virConnectDomainEventRegisterAny` with `VIR_DOMAIN_EVENT_ID_LIFECYCLE`).
    ///
    /// libvirt delivers events on its default event loop, which the binding runs on its own
    /// thread. Any number of streams may be open at once: libvirt refuses a second registration of
    /// the same callback, event and domain on one connection ("event callback already tracked"),
    /// so streams of the same domain (or of all domains) share one registration, which ends
    /// (`virConnectDomainEventDeregisterAny`) when the last of them stops iterating or is
    /// cancelled. Events that arrive while nobody iterates are buffered, up to `bufferLimit` of
    /// the newest ones.
    public func domainEvents(for domain: Domain? = nil, bufferLimit: Int = 1024) async throws(LibvirtError)
        -> AsyncStream<DomainEvent>
    {
        let (stream, continuation) = AsyncStream<DomainEvent>.makeStream(bufferingPolicy: .bufferingNewest(bufferLimit))
        let key = domain.map(\.uuid)
        let (channel, subscriber, register) = eventHub.subscribe(key: key, continuation)
        continuation.onTermination = { [weak self] _ in self?.eventHub.unsubscribe(key: key, channel: channel, subscriber: subscriber, on: self) }
        guard register else { return stream }
        await eventHub.retired(key: key)
        let label = domain.map { "domain '\($0.name)'" }
        let registered: Int32
        do {
            registered = try await call("virConnectDomainEventRegisterAny") { handle in
                let opaque = Unmanaged.passRetained(channel)
                let id = virConnectDomainEventRegisterAny(
                    handle, domain?.handle, Int32(VIR_DOMAIN_EVENT_ID_LIFECYCLE.rawValue),
                    unsafeBitCast(lifecycleCallback, to: virConnectDomainEventGenericCallback.self),
                    opaque.toOpaque(), releaseChannel)
                if id < 0 {
                    opaque.release()  // libvirt does not call the free callback when registration fails
                }
                return checkStatus(id, "virConnectDomainEventRegisterAny", label)
            }
        } catch {
            eventHub.failed(key: key, channel: channel)
            throw error
        }
        eventHub.registered(key: key, channel: channel, callbackID: registered, on: self)
        return stream
    }
}

extension Connection {
    /// `virConnectDomainEventDeregisterAny`; a failure (the connection is gone) is ignored.
    func deregisterDomainEvents(_ callbackID: Int32) async {
        _ = try? await call("virConnectDomainEventDeregisterAny") { handle in
            checkStatus(virConnectDomainEventDeregisterAny(handle, callbackID), "virConnectDomainEventDeregisterAny")
        }
    }
}

/// The lifecycle registrations of one connection, one per domain (or all domains), each shared
/// by the streams that asked for it.
final class DomainEventHub: Sendable {
    private struct State {
        var channels: [String?: EventChannel] = [:]
        /// Deregistrations under way, per key: a new registration of that key waits for it.
        var retiring: [String?: (token: UInt64, task: Task<Void, Never>)] = [:]
        var nextToken: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Adds a subscriber; `register` is true when the caller must register the channel with libvirt.
    func subscribe(key: String?, _ continuation: AsyncStream<DomainEvent>.Continuation)
        -> (channel: EventChannel, subscriber: UInt64, register: Bool)
    {
        state.withLock { state in
            state.nextToken += 1
            if let channel = state.channels[key] {
                channel.add(state.nextToken, continuation)
                return (channel, state.nextToken, false)
            }
            let channel = EventChannel()
            channel.add(state.nextToken, continuation)
            state.channels[key] = channel
            return (channel, state.nextToken, true)
        }
    }

    /// Waits until a deregistration of `key` still under way has finished.
    func retired(key: String?) async {
        let pending = state.withLock { $0.retiring[key]?.task }
        await pending?.value
    }

    func registered(key: String?, channel: EventChannel, callbackID: Int32, on connection: Connection) {
        state.withLock { state in
            channel.callbackID = callbackID
            if channel.isEmpty { retire(key: key, channel: channel, state: &state, on: connection) }
        }
    }

    func failed(key: String?, channel: EventChannel) {
        state.withLock { state in
            if state.channels[key] === channel { state.channels[key] = nil }
        }
        channel.finishAll()
    }

    func unsubscribe(key: String?, channel: EventChannel, subscriber: UInt64, on connection: Connection?) {
        channel.remove(subscriber)
        guard let connection else { return }
        state.withLock { state in
            // Still registering: `registered` retires it if nobody is left by then.
            if channel.isEmpty, channel.callbackID != nil { retire(key: key, channel: channel, state: &state, on: connection) }
        }
    }

    /// Takes an empty, registered channel out of use and deregisters it, after any earlier
    /// deregistration of the same key.
    private func retire(key: String?, channel: EventChannel, state: inout State, on connection: Connection) {
        guard state.channels[key] === channel, let id = channel.callbackID else { return }
        state.channels[key] = nil
        state.nextToken += 1
        let token = state.nextToken
        let prior = state.retiring[key]?.task
        let task = Task { [weak self] in
            await prior?.value
            await connection.deregisterDomainEvents(id)
            self?.state.withLock { state in
                if state.retiring[key]?.token == token { state.retiring[key] = nil }
            }
        }
        state.retiring[key] = (token, task)
    }
}

/// The streams fed by one registration; retained by libvirt (as the callback's opaque pointer)
/// until it calls `releaseChannel`.
final class EventChannel: Sendable {
    private struct State {
        var subscribers: [UInt64: AsyncStream<DomainEvent>.Continuation] = [:]
        var callbackID: Int32?
    }

    private let state = Mutex(State())

    var callbackID: Int32? {
        get { state.withLock { $0.callbackID } }
        set { state.withLock { $0.callbackID = newValue } }
    }

    var isEmpty: Bool { state.withLock { $0.subscribers.isEmpty } }

    func add(_ id: UInt64, _ continuation: AsyncStream<DomainEvent>.Continuation) {
        state.withLock { $0.subscribers[id] = continuation }
    }

    func remove(_ id: UInt64) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: id) }
    }

    func yield(_ event: DomainEvent) {
        for continuation in state.withLock({ Array($0.subscribers.values) }) { continuation.yield(event) }
    }

    func finishAll() {
        for continuation in state.withLock({ Array($0.subscribers.values) }) { continuation.finish() }
    }
}

/// Runs on libvirt's event-loop thread. Only reads local fields of the domain (no RPC).
private let lifecycleCallback:
    @convention(c) (OpaquePointer?, OpaquePointer?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32 = {
        _, domain, event, detail, opaque in
        guard let opaque, let domain else { return 0 }
        let channel = Unmanaged<EventChannel>.fromOpaque(opaque).takeUnretainedValue()
        let name = virDomainGetName(domain).map { String(cString: $0) } ?? ""
        let uuid = (try? readUUIDString("virDomainGetUUIDString") { virDomainGetUUIDString(domain, $0) }.get()) ?? ""
        channel.yield(DomainEvent(domainName: name, domainUUID: uuid, kind: DomainEvent.Kind(rawValue: event) ?? .unknown, detail: detail))
        return 0
    }

/// libvirt's free callback for the opaque pointer: called once the registration is gone (or the
/// connection closed); streams still open then end.
private let releaseChannel: @convention(c) (UnsafeMutableRawPointer?) -> Void = { opaque in
    guard let opaque else { return }
    Unmanaged<EventChannel>.fromOpaque(opaque).takeRetainedValue().finishAll()
}
