import CLibvirt

extension Connection {
    /// Defines (or redefines) a persistent network from XML; it is not started
    /// (`virNetworkDefineXMLFlags`).
    public func defineNetwork(xml: String, flags: Network.DefineFlags = []) async throws(LibvirtError) -> Network {
        try await call("virNetworkDefineXMLFlags") { handle in
            checkPointer(virNetworkDefineXMLFlags(handle, xml, flags.rawValue), "virNetworkDefineXMLFlags")
                .map { Network(connection: self, handle: $0) }
        }
    }

    /// Creates and starts a transient network from XML; it disappears when destroyed
    /// (`virNetworkCreateXMLFlags`).
    public func createTransientNetwork(xml: String, flags: Network.CreateFlags = []) async throws(LibvirtError)
        -> Network
    {
        try await call("virNetworkCreateXMLFlags") { handle in
            checkPointer(virNetworkCreateXMLFlags(handle, xml, flags.rawValue), "virNetworkCreateXMLFlags")
                .map { Network(connection: self, handle: $0) }
        }
    }

    /// Looks a network up by name (`virNetworkLookupByName`); fails with `.noNetwork` when absent.
    public func network(named name: String) async throws(LibvirtError) -> Network {
        try await call("virNetworkLookupByName") { handle in
            checkPointer(virNetworkLookupByName(handle, name), "virNetworkLookupByName", "network '\(name)'")
                .map { Network(connection: self, handle: $0) }
        }
    }

    /// Looks a network up by UUID string (`virNetworkLookupByUUIDString`); fails with `.noNetwork`
    /// when absent and `.invalidArg` when `uuid` is not a UUID.
    public func network(uuid: String) async throws(LibvirtError) -> Network {
        try await call("virNetworkLookupByUUIDString") { handle in
            checkPointer(
                virNetworkLookupByUUIDString(handle, uuid), "virNetworkLookupByUUIDString", "network UUID '\(uuid)'"
            ).map { Network(connection: self, handle: $0) }
        }
    }

    /// Looks a network up by name and returns nil instead of failing when there is none.
    public func networkIfPresent(named name: String) async throws(LibvirtError) -> Network? {
        do {
            return try await network(named: name)
        } catch where error.code == .noNetwork {
            return nil
        }
    }

    /// Lists networks, optionally filtered (`virConnectListAllNetworks`).
    public func allNetworks(_ filter: NetworkListFilter = []) async throws(LibvirtError) -> [Network] {
        try await call("virConnectListAllNetworks") { handle in
            var array: UnsafeMutablePointer<OpaquePointer?>?
            return checkStatus(
                virConnectListAllNetworks(handle, &array, filter.rawValue), "virConnectListAllNetworks"
            ).map { count in
                takeArray(array, count: count) { Network(connection: self, handle: $0) }
            }
        }
    }
}
