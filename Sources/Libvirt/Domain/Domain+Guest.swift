import CLibvirt

extension Domain {
    /// Where ``interfaceAddresses(source:)`` looks (`virDomainInterfaceAddressesSource`).
    public enum AddressSource: Sendable, Hashable, CaseIterable {
        /// `VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE`: DHCP leases of libvirt's own networks.
        case lease
        /// `VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT`: the QEMU guest agent.
        case agent
        /// `VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP`: the host's ARP table.
        case arp

        var rawValue: UInt32 {
            switch self {
            case .lease: VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE.rawValue
            case .agent: VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT.rawValue
            case .arp: VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP.rawValue
            }
        }
    }

    /// The guest's network interfaces and their IP addresses (`virDomainInterfaceAddresses`).
    public func interfaceAddresses(source: AddressSource) async throws(LibvirtError) -> [GuestInterface] {
        try await call("virDomainInterfaceAddresses") { handle in
            var array: UnsafeMutablePointer<virDomainInterfacePtr?>?
            return checkStatus(
                virDomainInterfaceAddresses(handle, &array, source.rawValue, 0), "virDomainInterfaceAddresses"
            ).map { count in
                guard let array else { return [] }
                defer { cFree(array) }
                return (0..<Int(count)).compactMap { index -> GuestInterface? in
                    guard let interface = array[index] else { return nil }
                    defer { virDomainInterfaceFree(interface) }
                    return GuestInterface(interface.pointee)
                }
            }
        }
    }

    /// How long ``qemuAgentCommand(_:timeout:)`` waits for the agent.
    public enum AgentTimeout: Sendable, Hashable {
        /// `VIR_DOMAIN_QEMU_AGENT_COMMAND_BLOCK`: wait forever.
        case block
        /// `VIR_DOMAIN_QEMU_AGENT_COMMAND_DEFAULT`: libvirt's default (5 s).
        case `default`
        /// `VIR_DOMAIN_QEMU_AGENT_COMMAND_NOWAIT`: do not wait for a reply.
        case noWait
        /// Wait up to this many seconds.
        case seconds(Int32)

        var rawValue: Int32 {
            switch self {
            case .block: VIR_DOMAIN_QEMU_AGENT_COMMAND_BLOCK.rawValue
            case .default: VIR_DOMAIN_QEMU_AGENT_COMMAND_DEFAULT.rawValue
            case .noWait: VIR_DOMAIN_QEMU_AGENT_COMMAND_NOWAIT.rawValue
            case .seconds(let seconds): seconds
            }
        }
    }

    /// Sends a raw JSON command to the QEMU guest agent and returns its JSON reply
    /// (`virDomainQemuAgentCommand`, from libvirt-qemu). Example:
    /// `{"execute":"guest-ping"}`. Needs a `org.qemu.guest_agent.0` channel and a running agent.
    public func qemuAgentCommand(_ json: String, timeout: AgentTimeout = .default) async throws(LibvirtError) -> String {
        try await call("virDomainQemuAgentCommand") { handle in
            takeString(virDomainQemuAgentCommand(handle, json, timeout.rawValue, 0), "virDomainQemuAgentCommand")
        }
    }

    /// Adds a device described by XML (`virDomainAttachDeviceFlags`).
    public func attachDevice(xml: String, flags: Impact = .current) async throws(LibvirtError) {
        try await callStatus("virDomainAttachDeviceFlags") { virDomainAttachDeviceFlags($0, xml, flags.rawValue) }
    }

    /// Removes a device described by XML (`virDomainDetachDeviceFlags`).
    public func detachDevice(xml: String, flags: Impact = .current) async throws(LibvirtError) {
        try await callStatus("virDomainDetachDeviceFlags") { virDomainDetachDeviceFlags($0, xml, flags.rawValue) }
    }

    /// Changes a device described by XML, e.g. a CD-ROM's medium (`virDomainUpdateDeviceFlags`).
    public func updateDevice(xml: String, flags: Impact = .current) async throws(LibvirtError) {
        try await callStatus("virDomainUpdateDeviceFlags") { virDomainUpdateDeviceFlags($0, xml, flags.rawValue) }
    }
}

/// A guest network interface and its addresses (`virDomainInterface`).
public struct GuestInterface: Sendable, Hashable {
    public var name: String
    /// The MAC address, when known.
    public var hardwareAddress: String?
    public var addresses: [Address]

    public struct Address: Sendable, Hashable, CustomStringConvertible {
        public enum Family: Sendable, Hashable { case ipv4, ipv6 }
        public var family: Family
        public var address: String
        public var prefix: UInt32
        public var description: String { "\(address)/\(prefix)" }
    }

    init(_ raw: virDomainInterface) {
        name = raw.name.map { String(cString: $0) } ?? ""
        hardwareAddress = raw.hwaddr.map { String(cString: $0) }
        addresses = (0..<Int(raw.naddrs)).compactMap { index in
            guard let entry = raw.addrs?[index], let address = entry.addr else { return nil }
            let family: Address.Family = entry.type == Int32(VIR_IP_ADDR_TYPE_IPV6.rawValue) ? .ipv6 : .ipv4
            return Address(family: family, address: String(cString: address), prefix: entry.prefix)
        }
    }
}
