import CLibvirt

extension Connection {
    /// Defines (or redefines) a persistent domain from XML (`virDomainDefineXMLFlags`).
    public func defineDomain(xml: String, flags: DefineFlags = []) async throws(LibvirtError) -> Domain {
        try await call("virDomainDefineXMLFlags") { handle in
            checkPointer(virDomainDefineXMLFlags(handle, xml, flags.rawValue), "virDomainDefineXMLFlags")
                .map { Domain(connection: self, handle: $0) }
        }
    }

    /// Creates and starts a transient domain from XML; it disappears when it stops
    /// (`virDomainCreateXML`).
    public func createTransientDomain(xml: String, flags: Domain.StartFlags = []) async throws(LibvirtError) -> Domain {
        try await call("virDomainCreateXML") { handle in
            checkPointer(virDomainCreateXML(handle, xml, flags.rawValue), "virDomainCreateXML")
                .map { Domain(connection: self, handle: $0) }
        }
    }

    /// Looks a domain up by name (`virDomainLookupByName`); fails with `.noDomain` when absent.
    public func domain(named name: String) async throws(LibvirtError) -> Domain {
        try await call("virDomainLookupByName") { handle in
            checkPointer(virDomainLookupByName(handle, name), "virDomainLookupByName", "domain '\(name)'")
                .map { Domain(connection: self, handle: $0) }
        }
    }

    /// Looks a domain up by UUID string (`virDomainLookupByUUIDString`).
    public func domain(uuid: String) async throws(LibvirtError) -> Domain {
        try await call("virDomainLookupByUUIDString") { handle in
            checkPointer(
                virDomainLookupByUUIDString(handle, uuid), "virDomainLookupByUUIDString", "domain UUID '\(uuid)'"
            ).map { Domain(connection: self, handle: $0) }
        }
    }

    /// Looks a running domain up by its hypervisor ID (`virDomainLookupByID`).
    public func domain(id: Int32) async throws(LibvirtError) -> Domain {
        try await call("virDomainLookupByID") { handle in
            checkPointer(virDomainLookupByID(handle, id), "virDomainLookupByID", "domain ID \(id)")
                .map { Domain(connection: self, handle: $0) }
        }
    }

    /// Looks a domain up by name and returns nil instead of failing when there is none.
    public func domainIfPresent(named name: String) async throws(LibvirtError) -> Domain? {
        do {
            return try await domain(named: name)
        } catch where error.code == .noDomain {
            return nil
        }
    }

    /// Lists domains, optionally filtered (`virConnectListAllDomains`).
    public func allDomains(_ filter: DomainListFilter = []) async throws(LibvirtError) -> [Domain] {
        try await call("virConnectListAllDomains") { handle in
            var array: UnsafeMutablePointer<OpaquePointer?>?
            return checkStatus(
                virConnectListAllDomains(handle, &array, filter.rawValue), "virConnectListAllDomains"
            ).map { count in
                takeArray(array, count: count) { Domain(connection: self, handle: $0) }
            }
        }
    }
}
