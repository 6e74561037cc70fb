import CLibvirt

// virNetworkUpdate and the argument-order quirk
// ---------------------------------------------
// The C prototype is `virNetworkUpdate(net, command, section, parentIndex, xml, flags)`, yet its
// doc comment lists `@section` before `@command`, and from its introduction (0.10.2) the library
// passed the two to the driver swapped. Because client library and daemon made the same mistake,
// matching versions worked, while clients that speak the RPC protocol directly (e.g. go-libvirt)
// had to swap them back. libvirt fixed this in 2022 (8.x; backported to some distribution builds
// such as RHEL's 6.0.0-37.1): the public entry point now asks the driver for the internal feature
// `VIR_DRV_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER` and swaps only when talking to an old daemon.
// So a caller of the C API must pass them in prototype order, command first, and libvirt copes
// with either daemon. Both are plain `unsigned int`s in C, so nothing stops a caller from swapping
// them; here they are distinct Swift types passed by label, and the wrapper alone orders them.

extension Network {
    /// What ``update(command:section:xml:parentIndex:flags:)`` does (`virNetworkUpdateCommand`).
    public enum UpdateCommand: Sendable, Hashable, CaseIterable {
        /// `VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST`: add the element at the start of its list.
        case addFirst
        /// `VIR_NETWORK_UPDATE_COMMAND_ADD_LAST`: add the element at the end of its list.
        case addLast
        /// `VIR_NETWORK_UPDATE_COMMAND_MODIFY`: change the existing element that matches.
        case modify
        /// `VIR_NETWORK_UPDATE_COMMAND_DELETE`: remove the existing element that matches.
        case delete

        var rawValue: UInt32 {
            switch self {
            case .addFirst: VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST.rawValue
            case .addLast: VIR_NETWORK_UPDATE_COMMAND_ADD_LAST.rawValue
            case .modify: VIR_NETWORK_UPDATE_COMMAND_MODIFY.rawValue
            case .delete: VIR_NETWORK_UPDATE_COMMAND_DELETE.rawValue
            }
        }
    }

    /// Which part of the network definition ``update(command:section:xml:parentIndex:flags:)``
    /// changes (`virNetworkUpdateSection`). The XML passed is one element of that kind.
    public enum UpdateSection: Sendable, Hashable, CaseIterable {
        /// `VIR_NETWORK_SECTION_BRIDGE`: `<bridge>`.
        case bridge
        /// `VIR_NETWORK_SECTION_DOMAIN`: `<domain>`.
        case domain
        /// `VIR_NETWORK_SECTION_IP`: `<ip>`.
        case ip
        /// `VIR_NETWORK_SECTION_IP_DHCP_HOST`: `<ip>/<dhcp>/<host>`, a static DHCP lease.
        case ipDHCPHost
        /// `VIR_NETWORK_SECTION_IP_DHCP_RANGE`: `<ip>/<dhcp>/<range>`.
        case ipDHCPRange
        /// `VIR_NETWORK_SECTION_FORWARD`: `<forward>`.
        case forward
        /// `VIR_NETWORK_SECTION_FORWARD_INTERFACE`: `<forward>/<interface>`.
        case forwardInterface
        /// `VIR_NETWORK_SECTION_FORWARD_PF`: `<forward>/<pf>`.
        case forwardPF
        /// `VIR_NETWORK_SECTION_PORTGROUP`: `<portgroup>`.
        case portgroup
        /// `VIR_NETWORK_SECTION_DNS_HOST`: `<dns>/<host>`.
        case dnsHost
        /// `VIR_NETWORK_SECTION_DNS_TXT`: `<dns>/<txt>`.
        case dnsTXT
        /// `VIR_NETWORK_SECTION_DNS_SRV`: `<dns>/<srv>`.
        case dnsSRV

        var rawValue: UInt32 {
            switch self {
            case .bridge: VIR_NETWORK_SECTION_BRIDGE.rawValue
            case .domain: VIR_NETWORK_SECTION_DOMAIN.rawValue
            case .ip: VIR_NETWORK_SECTION_IP.rawValue
            case .ipDHCPHost: VIR_NETWORK_SECTION_IP_DHCP_HOST.rawValue
            case .ipDHCPRange: VIR_NETWORK_SECTION_IP_DHCP_RANGE.rawValue
            case .forward: VIR_NETWORK_SECTION_FORWARD.rawValue
            case .forwardInterface: VIR_NETWORK_SECTION_FORWARD_INTERFACE.rawValue
            case .forwardPF: VIR_NETWORK_SECTION_FORWARD_PF.rawValue
            case .portgroup: VIR_NETWORK_SECTION_PORTGROUP.rawValue
            case .dnsHost: VIR_NETWORK_SECTION_DNS_HOST.rawValue
            case .dnsTXT: VIR_NETWORK_SECTION_DNS_TXT.rawValue
            case .dnsSRV: VIR_NETWORK_SECTION_DNS_SRV.rawValue
            }
        }
    }

    /// Changes one element of the network's definition without restarting it (`virNetworkUpdate`).
    ///
    /// - Parameters:
    ///   - command: add, modify or delete.
    ///   - section: which kind of element `xml` is.
    ///   - xml: one complete element of that kind, e.g. `<host mac='…' ip='…'/>` for `.ipDHCPHost`.
    ///   - parentIndex: which parent element (e.g. which `<ip>`, counting from 0) when the network
    ///     has several; nil lets libvirt pick the appropriate one.
    ///   - flags: the live network, the persistent definition, or both.
    ///
    /// Fails with `.operationInvalid` when a delete or modify finds no matching element or an add
    /// finds one already there, and `.operationUnsupported` for a section the driver cannot update.
    /// See the note at the top of this file on libvirt's argument-order quirk.
    public func update(
        command: UpdateCommand, section: UpdateSection, xml: String, parentIndex: Int? = nil,
        flags: Impact = .current
    ) async throws(LibvirtError) {
        let index = Int32(clamping: parentIndex ?? -1)
        try await callStatus("virNetworkUpdate") { handle in
            // Prototype order: command, then section (libvirt swaps them for old daemons itself).
            virNetworkUpdate(handle, command.rawValue, section.rawValue, index, xml, flags.rawValue)
        }
    }

    /// Adds a static DHCP host, `<host mac='…' ip='…' name='…'/>`, to the network (the
    /// `.ipDHCPHost` section, added last). libvirt requires a MAC or a name for IPv4 hosts. Values
    /// are escaped for XML; a host name should still be a plain DNS label, because libvirt 9.0 writes
    /// it back into its own XML unescaped and then rejects `'`, `<` and `&` with `.xmlError`.
    public func addDHCPHost(
        mac: String?, ip: String, name: String? = nil, parentIndex: Int? = nil, flags: Impact = .current
    ) async throws(LibvirtError) {
        try await update(
            command: .addLast, section: .ipDHCPHost, xml: Self.dhcpHostElement(mac: mac, ip: ip, name: name),
            parentIndex: parentIndex, flags: flags)
    }

    /// Removes a static DHCP host (`virNetworkUpdate` with `.delete` in `.ipDHCPHost`). libvirt
    /// removes the entry matching the given MAC (or name/IP when no MAC is given); it fails with
    /// `.operationInvalid` when there is none.
    public func removeDHCPHost(
        mac: String?, ip: String? = nil, name: String? = nil, parentIndex: Int? = nil, flags: Impact = .current
    ) async throws(LibvirtError) {
        try await update(
            command: .delete, section: .ipDHCPHost, xml: Self.dhcpHostElement(mac: mac, ip: ip, name: name),
            parentIndex: parentIndex, flags: flags)
    }

    /// The `<host/>` element of a static DHCP lease, attributes escaped, absent ones left out.
    static func dhcpHostElement(mac: String?, ip: String?, name: String?) -> String {
        let attributes = [("mac", mac), ("name", name), ("ip", ip)].compactMap { key, value in
            value.map { "\(key)='\(xmlAttributeEscaped($0))'" }
        }
        return "<host" + attributes.map { " " + $0 }.joined() + "/>"
    }
}
