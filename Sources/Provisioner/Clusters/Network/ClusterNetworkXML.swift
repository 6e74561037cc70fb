import DomainTemplates
import LibXML2

// The network XML of a cluster network, written and read through parsed documents: names, spec
// text and addresses are escaped by the XML layer, never pasted into markup.
//
//     <network>
//       <name>kinvm-lab</name>
//       <metadata>
//         <kinvm:cluster xmlns:kinvm="https://kinvm.dev/xmlns/kinvm/1" owner="kinvm" name="lab" …>
//           <kinvm:spec>…</kinvm:spec>
//         </kinvm:cluster>
//       </metadata>
//       <forward mode="nat"/>                      (none for isolated)
//       <ip address="192.168.150.1" netmask="255.255.255.0">
//         <dhcp><host mac="…" name="lab-cp-1" ip="192.168.150.10"/></dhcp>
//       </ip>
//     </network>
//
// The `<dhcp>` has no `<range>`: libvirt 9.0 then runs dnsmasq with `dhcp-range=GATEWAY,static`,
// so only reserved MACs get an address.

/// Renders and reads cluster network XML (pure).
public enum ClusterNetworkXML {
    static let namespace = KinvmMetadata.namespace
    static let prefix = KinvmMetadata.prefix

    /// The XML to define a cluster network with.
    public static func render(_ definition: ClusterNetworkDefinition) throws(ProvisionerError) -> String {
        let document = XMLDocument(rootName: "network")
        let root = document.root
        do {
            try root.appendChild("name", text: definition.name)
            try appendMetadata(definition.metadata, to: root.appendChild("metadata"))
            if definition.mode == .bridged {
                guard let bridge = definition.bridge else {
                    throw ProvisionerError(.invalidArgument, "bridged network '\(definition.name)' needs the name of a host bridge")
                }
                try root.appendChild("forward", attributes: [("mode", "bridge")])
                try root.appendChild("bridge", attributes: [("name", bridge)])
                return document.serialized()
            }
            if definition.mode == .nat { try root.appendChild("forward", attributes: [("mode", "nat")]) }
            if let bridge = definition.bridge {
                try root.appendChild("bridge", attributes: [("name", bridge), ("stp", "on"), ("delay", "0")])
            }
            let ip = try root.appendChild(
                "ip",
                attributes: [
                    ("address", definition.cidr.gateway.description), ("netmask", definition.cidr.netmask.description),
                ])
            let dhcp = try ip.appendChild("dhcp")
            for reservation in definition.reservations {
                try dhcp.appendChild("host", attributes: hostAttributes(reservation))
            }
        } catch let error as ProvisionerError {
            throw error
        } catch let error as XMLError {
            throw ProvisionerError(
                .invalidArgument, "cannot write the XML of network '\(definition.name)': \(error.message)")
        } catch {
            throw ProvisionerError(.invalidArgument, "cannot write the XML of network '\(definition.name)': \(error)")
        }
        return document.serialized()
    }

    /// What a network's XML says, for any network (``ClusterNetworkState/metadata`` is nil when it
    /// is not kinvm's). Run state (active, persistent, autostart) is left at false.
    public static func read(_ xml: String) throws(ProvisionerError) -> ClusterNetworkState {
        let document = try parse(xml, "network XML")
        let root = document.root
        let name = root.firstChild(named: "name")?.text ?? ""
        var state = ClusterNetworkState(name: name, uuid: root.firstChild(named: "uuid")?.text)
        state.metadata = readMetadata(root)
        state.forwardMode = root.firstChild(named: "forward").map { $0.attribute("mode") ?? "nat" }
        state.bridge = root.firstChild(named: "bridge")?.attribute("name")
        if let ip = ipv4Elements(root).first {
            state.cidr = ip.network
            state.hostAddress = ip.address
            state.reservations = dhcpHosts(ip.element).compactMap(\.reservation)
        }
        if state.mode == .bridged, let metadata = state.metadata {
            state.reservations = metadata.addresses
            state.cidr = (try? ClusterSpec.parse(metadata.spec))?.network.cidr
        }
        return state
    }

    /// `xml` with kinvm's `<kinvm:cluster>` replaced by `metadata`; everything else is kept as is.
    public static func replacingMetadata(
        in xml: String, with metadata: ClusterNetworkMetadata
    ) throws(ProvisionerError) -> String {
        let document = try parse(xml, "network XML")
        let root = document.root
        do {
            let container = try root.firstChild(named: "metadata") ?? root.appendChild("metadata")
            container.removeChildren(named: ClusterNetworkMetadata.elementName, namespaceURI: namespace)
            try appendMetadata(metadata, to: container)
        } catch {
            throw ProvisionerError(.invalidArgument, "cannot write the cluster metadata as XML: \(error)")
        }
        return document.serialized()
    }

    /// The IPv4 networks of a network's `<ip>` elements, whatever their size.
    public static func ipv4Networks(_ xml: String) throws(ProvisionerError) -> [IPv4Network] {
        ipv4Elements(try parse(xml, "network XML").root).map(\.network)
    }

    /// The `<host>` element for one reservation, as `virNetworkUpdate` takes it.
    static func hostElement(_ entry: DHCPHostEntry) throws(ProvisionerError) -> String {
        let document = XMLDocument(rootName: "host")
        do {
            for (key, value) in [("mac", entry.mac), ("name", entry.name), ("ip", entry.ip)] {
                if let value { try document.root.setAttribute(key, value) }
            }
        } catch {
            throw ProvisionerError(.invalidArgument, "cannot write DHCP host \(entry) as XML: \(error.message)")
        }
        return document.root.serialized()
    }

    /// Every `<host>` of the first IPv4 `<dhcp>`, complete or not.
    static func hostEntries(_ xml: String) throws(ProvisionerError) -> [DHCPHostEntry] {
        guard let ip = ipv4Elements(try parse(xml, "network XML").root).first else { return [] }
        return dhcpHosts(ip.element)
    }

    // MARK: Reading

    private struct IPElement {
        var element: XMLElement
        var address: IPv4Address
        var network: IPv4Network
    }

    private static func parse(_ xml: String, _ what: String) throws(ProvisionerError) -> XMLDocument {
        do {
            return try XMLDocument(parsing: xml, source: what)
        } catch {
            throw ProvisionerError(.xml, "cannot parse \(what): \(error)")
        }
    }

    private static func readMetadata(_ root: XMLElement) -> ClusterNetworkMetadata? {
        guard
            let element = root.firstChild(named: "metadata")?
                .firstChild(named: ClusterNetworkMetadata.elementName, namespaceURI: namespace),
            element.attribute("owner") == KinvmMetadata.owner, let cluster = element.attribute("name")
        else { return nil }
        var placements: [String: String] = [:]
        for placement in element.children(named: "placement", namespaceURI: namespace) {
            if let node = placement.attribute("node"), let host = placement.attribute("host") { placements[node] = host }
        }
        return ClusterNetworkMetadata(
            cluster: cluster, created: element.attribute("created") ?? "",
            ttlSeconds: element.attribute("ttl").flatMap { Int($0) },
            spec: element.firstChild(named: ClusterNetworkMetadata.specElementName, namespaceURI: namespace)?.text ?? "",
            generation: element.attribute("generation").flatMap { Int($0) } ?? 1,
            addresses: element.children(named: "address", namespaceURI: namespace).compactMap { address in
                guard let node = address.attribute("node"), let mac = address.attribute("mac"),
                    let ip = address.attribute("ip").flatMap({ IPv4Address($0) })
                else { return nil }
                return DHCPReservation(node: node, mac: mac, ip: ip)
            },
            placements: placements,
            pendingDelete: element.children(named: "pending-delete", namespaceURI: namespace).compactMap { $0.attribute("host") })
    }

    /// The `<ip>` elements of family IPv4 (libvirt's default) with a readable address and size;
    /// without `prefix` or `netmask` libvirt uses the address's class, and so does this.
    private static func ipv4Elements(_ root: XMLElement) -> [IPElement] {
        root.children(named: "ip").compactMap { element in
            guard element.attribute("family").map({ $0 == "ipv4" }) ?? true,
                let address = element.attribute("address").flatMap({ IPv4Address($0) })
            else { return nil }
            let prefix: Int?
            if let text = element.attribute("prefix") {
                prefix = Int(text).flatMap { (0...32).contains($0) ? $0 : nil }
            } else if let netmask = element.attribute("netmask") {
                prefix = IPv4Address(netmask).flatMap(IPv4Network.prefixLength(ofNetmask:))
            } else {
                prefix = address.value < 0x8000_0000 ? 8 : address.value < 0xC000_0000 ? 16 : 24
            }
            guard let prefix else { return nil }
            return IPElement(
                element: element, address: address, network: IPv4Network(containing: address, prefixLength: prefix))
        }
    }

    private static func dhcpHosts(_ ip: XMLElement) -> [DHCPHostEntry] {
        (ip.firstChild(named: "dhcp")?.children(named: "host") ?? []).map { host in
            DHCPHostEntry(mac: host.attribute("mac")?.lowercased(), name: host.attribute("name"), ip: host.attribute("ip"))
        }
    }

    // MARK: Writing

    private static func appendMetadata(_ metadata: ClusterNetworkMetadata, to container: XMLElement) throws(XMLError) {
        let attributes = [
            ("owner", KinvmMetadata.owner), ("name", metadata.cluster), ("created", metadata.created),
            ("ttl", metadata.ttlSeconds.map(String.init)), ("generation", String(metadata.generation)),
        ].compactMap { key, value in value.map { (key, $0) } }
        let cluster = try container.appendChild(
            ClusterNetworkMetadata.elementName, attributes: attributes, namespaceURI: namespace, prefix: prefix)
        try cluster.appendChild(
            ClusterNetworkMetadata.specElementName, text: metadata.spec, namespaceURI: namespace, prefix: prefix)
        for address in metadata.addresses {
            try cluster.appendChild(
                "address", attributes: [("node", address.node), ("mac", address.mac), ("ip", address.ip.description)],
                namespaceURI: namespace, prefix: prefix)
        }
        for (node, host) in metadata.placements.sorted(by: { $0.key < $1.key }) {
            try cluster.appendChild("placement", attributes: [("node", node), ("host", host)], namespaceURI: namespace, prefix: prefix)
        }
        for host in metadata.pendingDelete {
            try cluster.appendChild("pending-delete", attributes: [("host", host)], namespaceURI: namespace, prefix: prefix)
        }
    }

    private static func hostAttributes(_ reservation: DHCPReservation) -> [(String, String)] {
        [("mac", reservation.mac), ("name", reservation.node), ("ip", reservation.ip.description)]
    }
}

/// A `<host>` of a network's `<dhcp>` as written, any attribute possibly absent.
struct DHCPHostEntry: Sendable, Hashable, CustomStringConvertible {
    var mac: String?
    var name: String?
    var ip: String?

    init(mac: String?, name: String?, ip: String?) {
        self.mac = mac
        self.name = name
        self.ip = ip
    }

    init(_ reservation: DHCPReservation) {
        self.init(mac: reservation.mac.lowercased(), name: reservation.node, ip: reservation.ip.description)
    }

    /// The entry as a reservation, when it has all three parts.
    var reservation: DHCPReservation? {
        guard let mac, let name, let ip = ip.flatMap({ IPv4Address($0) }) else { return nil }
        return DHCPReservation(node: name, mac: mac, ip: ip)
    }

    var description: String { "<host mac=\(mac ?? "-") name=\(name ?? "-") ip=\(ip ?? "-")>" }
}
