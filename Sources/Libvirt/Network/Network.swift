import CLibvirt

/// A libvirt virtual network: a bridge with optional NAT/routing, DHCP and DNS (`virNetworkPtr`).
///
/// Obtain networks from a ``Connection`` (``Connection/defineNetwork(xml:flags:)``,
/// ``Connection/network(named:)``, ``Connection/allNetworks(_:)``). The object owns its handle and
/// frees it (`virNetworkFree`) when the last reference goes away.
public final class Network: ConnectionObject, @unchecked Sendable {
    // @unchecked Sendable: libvirt object handles are thread-safe; the handle is immutable and
    // freed only in deinit, when no other reference can be using it.

    public let connection: Connection
    let handle: OpaquePointer
    /// The network's name (`virNetworkGetName`, read once).
    public let name: String
    /// The network's UUID in its canonical string form (`virNetworkGetUUIDString`).
    public let uuid: String

    /// Takes ownership of `handle`. Runs on a libvirt thread (reads name and UUID locally, no RPC).
    init(connection: Connection, handle: OpaquePointer) {
        self.connection = connection
        self.handle = handle
        name = virNetworkGetName(handle).map { String(cString: $0) } ?? ""
        uuid = (try? readUUIDString("virNetworkGetUUIDString") { virNetworkGetUUIDString(handle, $0) }.get()) ?? ""
    }

    deinit {
        virNetworkFree(handle)
    }

    var objectDescription: String { "network '\(name)'" }

    // MARK: Lifecycle

    /// Starts a defined network: creates its bridge, firewall rules and dnsmasq (`virNetworkCreate`).
    public func start() async throws(LibvirtError) {
        try await callStatus("virNetworkCreate") { virNetworkCreate($0) }
    }

    /// Stops the network; a transient network disappears (`virNetworkDestroy`).
    public func destroy() async throws(LibvirtError) {
        try await callStatus("virNetworkDestroy") { virNetworkDestroy($0) }
    }

    /// Removes the network's persistent definition (`virNetworkUndefine`). Depending on the driver,
    /// a running network either keeps running as a transient one or the call fails with
    /// `.operationInvalid` (the test driver does the latter).
    public func undefine() async throws(LibvirtError) {
        try await callStatus("virNetworkUndefine") { virNetworkUndefine($0) }
    }

    // MARK: State

    /// Whether the network is running (`virNetworkIsActive`).
    public func isActive() async throws(LibvirtError) -> Bool {
        try await call("virNetworkIsActive") { checkBool(virNetworkIsActive($0), "virNetworkIsActive") }
    }

    /// Whether the network has a persistent definition (`virNetworkIsPersistent`).
    public func isPersistent() async throws(LibvirtError) -> Bool {
        try await call("virNetworkIsPersistent") { checkBool(virNetworkIsPersistent($0), "virNetworkIsPersistent") }
    }

    /// The network's XML description (`virNetworkGetXMLDesc`).
    public func xml(flags: XMLFlags = []) async throws(LibvirtError) -> String {
        try await call("virNetworkGetXMLDesc") {
            takeString(virNetworkGetXMLDesc($0, flags.rawValue), "virNetworkGetXMLDesc")
        }
    }

    /// The name of the host bridge that guests join, e.g. `virbr0` (`virNetworkGetBridgeName`).
    public func bridgeName() async throws(LibvirtError) -> String {
        try await call("virNetworkGetBridgeName") {
            takeString(virNetworkGetBridgeName($0), "virNetworkGetBridgeName")
        }
    }

    /// Whether the network starts when libvirtd starts (`virNetworkGetAutostart`).
    public func autostart() async throws(LibvirtError) -> Bool {
        try await call("virNetworkGetAutostart") { handle in
            var value: Int32 = 0
            return checkStatus(virNetworkGetAutostart(handle, &value), "virNetworkGetAutostart").map { _ in value != 0 }
        }
    }

    /// Sets whether the network starts when libvirtd starts (`virNetworkSetAutostart`).
    public func setAutostart(_ enabled: Bool) async throws(LibvirtError) {
        try await callStatus("virNetworkSetAutostart") { virNetworkSetAutostart($0, enabled ? 1 : 0) }
    }
}

extension Network: CustomStringConvertible {
    public var description: String { "Network(\(name), \(uuid))" }
}
