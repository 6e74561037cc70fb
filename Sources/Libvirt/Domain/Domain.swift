import CLibvirt

/// A libvirt domain: a guest, defined (persistent) or transient, running or not (`virDomainPtr`).
///
/// Obtain domains from a ``Connection`` (``Connection/defineDomain(xml:flags:)``,
/// ``Connection/domain(named:)``, ``Connection/allDomains(_:)``). The object owns its handle and
/// frees it (`virDomainFree`) when the last reference goes away.
public final class Domain: ConnectionObject, @unchecked Sendable {
    // @unchecked Sendable: libvirt object handles are thread-safe; the handle is immutable and
    // freed only in deinit, when no other reference can be using it.

    public let connection: Connection
    let handle: OpaquePointer
    /// The domain's name (`virDomainGetName`, read once: libvirt renames give a new object).
    public let name: String
    /// The domain's UUID in its canonical string form (`virDomainGetUUIDString`).
    public let uuid: String

    /// Takes ownership of `handle`. Runs on a libvirt thread (reads name and UUID locally, no RPC).
    init(connection: Connection, handle: OpaquePointer) {
        self.connection = connection
        self.handle = handle
        name = virDomainGetName(handle).map { String(cString: $0) } ?? ""
        uuid = (try? readUUIDString("virDomainGetUUIDString") { virDomainGetUUIDString(handle, $0) }.get()) ?? ""
    }

    deinit {
        virDomainFree(handle)
    }

    var objectDescription: String { "domain '\(name)'" }

    // MARK: Lifecycle

    /// Starts a defined domain (`virDomainCreateWithFlags`).
    public func start(flags: StartFlags = []) async throws(LibvirtError) {
        try await callStatus("virDomainCreateWithFlags") { virDomainCreateWithFlags($0, flags.rawValue) }
    }

    /// Asks the guest to shut down (`virDomainShutdownFlags`); by default through ACPI. Returns once
    /// the request is sent: watch events or ``state()`` to see the guest stop.
    public func shutdown(flags: ShutdownFlags = []) async throws(LibvirtError) {
        try await callStatus("virDomainShutdownFlags") { virDomainShutdownFlags($0, flags.rawValue) }
    }

    /// Stops the domain at once, like pulling the plug (`virDomainDestroyFlags`).
    public func destroy(flags: DestroyFlags = []) async throws(LibvirtError) {
        try await callStatus("virDomainDestroyFlags") { virDomainDestroyFlags($0, flags.rawValue) }
    }

    /// Asks the guest to reboot (`virDomainReboot`).
    public func reboot(flags: ShutdownFlags = []) async throws(LibvirtError) {
        try await callStatus("virDomainReboot") { virDomainReboot($0, flags.rawValue) }
    }

    /// Pauses the domain's vCPUs (`virDomainSuspend`).
    public func suspend() async throws(LibvirtError) {
        try await callStatus("virDomainSuspend") { virDomainSuspend($0) }
    }

    /// Resumes a suspended domain (`virDomainResume`).
    public func resume() async throws(LibvirtError) {
        try await callStatus("virDomainResume") { virDomainResume($0) }
    }

    /// Removes the domain's persistent definition (`virDomainUndefineFlags`). A running domain keeps
    /// running as a transient one.
    public func undefine(flags: UndefineFlags = []) async throws(LibvirtError) {
        try await callStatus("virDomainUndefineFlags") { virDomainUndefineFlags($0, flags.rawValue) }
    }

    // MARK: State

    /// The domain's state and why it is in it (`virDomainGetState`).
    public func state() async throws(LibvirtError) -> DomainState {
        try await call("virDomainGetState") { handle in
            var state: Int32 = 0
            var reason: Int32 = 0
            return checkStatus(virDomainGetState(handle, &state, &reason, 0), "virDomainGetState").map { _ in
                DomainState(rawState: state, reason: reason)
            }
        }
    }

    /// State, memory, vCPUs and CPU time (`virDomainGetInfo`).
    public func info() async throws(LibvirtError) -> DomainInfo {
        try await call("virDomainGetInfo") { handle in
            var info = virDomainInfo()
            return checkStatus(virDomainGetInfo(handle, &info), "virDomainGetInfo").map { _ in
                DomainInfo(info)
            }
        }
    }

    /// The hypervisor's ID of a running domain, or nil when it is not running (`virDomainGetID`).
    public func id() async throws(LibvirtError) -> UInt32? {
        try await call("virDomainGetID") { handle in
            let id = virDomainGetID(handle)
            return .success(id == UInt32.max ? nil : id)
        }
    }

    /// Whether the domain is running or paused (`virDomainIsActive`).
    public func isActive() async throws(LibvirtError) -> Bool {
        try await call("virDomainIsActive") { checkBool(virDomainIsActive($0), "virDomainIsActive") }
    }

    /// Whether the domain has a persistent definition (`virDomainIsPersistent`).
    public func isPersistent() async throws(LibvirtError) -> Bool {
        try await call("virDomainIsPersistent") { checkBool(virDomainIsPersistent($0), "virDomainIsPersistent") }
    }

    /// The domain's XML description (`virDomainGetXMLDesc`).
    public func xml(flags: XMLFlags = []) async throws(LibvirtError) -> String {
        try await call("virDomainGetXMLDesc") { takeString(virDomainGetXMLDesc($0, flags.rawValue), "virDomainGetXMLDesc") }
    }

    /// Whether the domain starts when the host boots (`virDomainGetAutostart`).
    public func autostart() async throws(LibvirtError) -> Bool {
        try await call("virDomainGetAutostart") { handle in
            var value: Int32 = 0
            return checkStatus(virDomainGetAutostart(handle, &value), "virDomainGetAutostart").map { _ in value != 0 }
        }
    }

    /// Sets whether the domain starts when the host boots (`virDomainSetAutostart`).
    public func setAutostart(_ enabled: Bool) async throws(LibvirtError) {
        try await callStatus("virDomainSetAutostart") { virDomainSetAutostart($0, enabled ? 1 : 0) }
    }
}

extension Domain: CustomStringConvertible {
    public var description: String { "Domain(\(name), \(uuid))" }
}
