import CLibvirt

extension Network {
    /// The DHCP leases dnsmasq has handed out on this network, optionally only those of one MAC
    /// address (`virNetworkGetDHCPLeases`). The test driver does not support this (`.notSupported`).
    public func dhcpLeases(mac: String? = nil) async throws(LibvirtError) -> [DHCPLease] {
        try await call("virNetworkGetDHCPLeases") { handle in
            var array: UnsafeMutablePointer<virNetworkDHCPLeasePtr?>?
            return checkStatus(
                virNetworkGetDHCPLeases(handle, mac, &array, 0), "virNetworkGetDHCPLeases"
            ).map { count in
                guard let array else { return [] }
                defer { cFree(array) }
                return (0..<Int(count)).compactMap { index -> DHCPLease? in
                    guard let lease = array[index] else { return nil }
                    defer { virNetworkDHCPLeaseFree(lease) }
                    return DHCPLease(lease.pointee)
                }
            }
        }
    }
}

/// One DHCP lease on a libvirt network (`virNetworkDHCPLease`).
public struct DHCPLease: Sendable, Hashable {
    /// The address family of a lease (`virIPAddrType`).
    public enum Family: Sendable, Hashable {
        /// `VIR_IP_ADDR_TYPE_IPV4`.
        case ipv4
        /// `VIR_IP_ADDR_TYPE_IPV6`.
        case ipv6
    }

    /// The network's interface, e.g. `virbr0`.
    public var interface: String
    /// When the lease expires, in seconds since the Unix epoch (0 for a lease that never expires).
    public var expiryTime: Int64
    public var family: Family
    /// The client's MAC address; may be absent for DHCPv6 leases.
    public var mac: String?
    /// The DHCPv6 identity association ID, for IPv6 leases.
    public var iaid: String?
    /// The leased address, e.g. `192.168.122.42`.
    public var ipAddress: String
    /// The prefix length of the network the address belongs to.
    public var prefix: UInt32
    /// The host name the client sent, if any.
    public var hostname: String?
    /// The client ID or DUID, if any.
    public var clientID: String?

    public init(
        interface: String, expiryTime: Int64, family: Family, mac: String?, iaid: String?, ipAddress: String,
        prefix: UInt32, hostname: String?, clientID: String?
    ) {
        self.interface = interface
        self.expiryTime = expiryTime
        self.family = family
        self.mac = mac
        self.iaid = iaid
        self.ipAddress = ipAddress
        self.prefix = prefix
        self.hostname = hostname
        self.clientID = clientID
    }

    /// Copies a lease out of libvirt's struct (which the caller then frees).
    init(_ raw: virNetworkDHCPLease) {
        self.init(
            interface: raw.iface.map { String(cString: $0) } ?? "",
            expiryTime: Int64(raw.expirytime),
            family: raw.type == Int32(VIR_IP_ADDR_TYPE_IPV6.rawValue) ? .ipv6 : .ipv4,
            mac: raw.mac.map { String(cString: $0) },
            iaid: raw.iaid.map { String(cString: $0) },
            ipAddress: raw.ipaddr.map { String(cString: $0) } ?? "",
            prefix: raw.prefix,
            hostname: raw.hostname.map { String(cString: $0) },
            clientID: raw.clientid.map { String(cString: $0) })
    }
}
