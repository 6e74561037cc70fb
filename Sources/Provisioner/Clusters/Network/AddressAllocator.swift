/// One node's address record in a cluster network: the `<host mac='…' name='…' ip='…'/>` entry of
/// the network's `<dhcp>`, which makes dnsmasq hand `ip` to the NIC with `mac`.
public struct DHCPReservation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The node (domain) name, also the host name dnsmasq gives the client.
    public var node: String
    /// Lower-case, colon-separated, e.g. `52:54:00:0a:1b:2c`.
    public var mac: String
    public var ip: IPv4Address

    public init(node: String, mac: String, ip: IPv4Address) {
        self.node = node
        self.mac = mac
        self.ip = ip
    }

    /// The reservation kinvm makes for a node: the MAC derived from the node name for its first NIC.
    public static func forNode(_ node: String, ip: IPv4Address) -> DHCPReservation {
        DHCPReservation(node: node, mac: MACAddress.derived(guest: node, nicIndex: 0), ip: ip)
    }

    public var description: String { "\(node) \(mac) \(ip)" }
}

/// Which reservations a cluster network should hold for a set of nodes (pure).
public struct AddressAllocation: Sendable, Hashable {
    /// One per wanted node, in the order the nodes were given.
    public var reservations: [DHCPReservation]
    /// The wanted nodes that had no reservation yet (a subset of ``reservations``).
    public var added: [DHCPReservation]
    /// Reservations the network holds for nodes that are no longer wanted, in the network's order.
    public var unwanted: [DHCPReservation]
}

/// Hands out node addresses in a cluster network.
///
/// - A node that already has a reservation inside ``IPv4Network/nodeAddresses`` keeps its address:
///   this is how a recreated node keeps its IP. Its MAC becomes the derived one again if it was
///   changed (``ClusterNetwork/reserve(_:)`` then modifies the entry).
/// - A new node takes the lowest address of ``IPv4Network/nodeAddresses`` no reservation holds.
///   Reservations of unwanted nodes still count as taken: they are released only after their node
///   is gone, so a new node never shares an address with a node still being removed.
public enum AddressAllocator {
    /// - Parameter range: the addresses to hand out (a bridged network's `addresses`); nil:
    ///   ``IPv4Network/nodeAddresses``.
    public static func allocate(
        in network: IPv4Network, range: ClosedRange<UInt32>? = nil, existing: [DHCPReservation], wanted nodes: [String]
    ) throws(ProvisionerError) -> AddressAllocation {
        let pool = range ?? network.nodeAddresses
        var seen = Set<String>()
        for node in nodes where !seen.insert(node).inserted {
            throw ProvisionerError(.invalidArgument, "node '\(node)' is wanted twice in network \(network)")
        }
        var byNode: [String: DHCPReservation] = [:]
        for reservation in existing where byNode[reservation.node] == nil { byNode[reservation.node] = reservation }
        var taken = Set(existing.map(\.ip.value))
        var candidates = pool.makeIterator()
        var reservations: [DHCPReservation] = []
        var added: [DHCPReservation] = []
        for node in nodes {
            if let kept = byNode[node], pool.contains(kept.ip.value) {
                reservations.append(.forNode(node, ip: kept.ip))
                continue
            }
            guard let free = nextFree(&candidates, taken: taken) else {
                throw full(network, pool: pool, existing: existing, wanted: nodes.count)
            }
            taken.insert(free)
            let reservation = DHCPReservation.forNode(node, ip: IPv4Address(free))
            reservations.append(reservation)
            added.append(reservation)
        }
        let unwanted = existing.filter { !seen.contains($0.node) }
        return AddressAllocation(reservations: reservations, added: added, unwanted: unwanted)
    }

    /// The reservations of `existing` whose nodes are not in `wanted`.
    public static func unwanted(_ existing: [DHCPReservation], wanted nodes: [String]) -> [DHCPReservation] {
        let wanted = Set(nodes)
        return existing.filter { !wanted.contains($0.node) }
    }

    private static func nextFree(_ candidates: inout ClosedRange<UInt32>.Iterator, taken: Set<UInt32>) -> UInt32? {
        while let candidate = candidates.next() {
            if !taken.contains(candidate) { return candidate }
        }
        return nil
    }

    private static func full(_ network: IPv4Network, pool: ClosedRange<UInt32>, existing: [DHCPReservation], wanted: Int)
        -> ProvisionerError
    {
        let first = IPv4Address(pool.lowerBound)
        let last = IPv4Address(pool.upperBound)
        let held = existing.filter { pool.contains($0.ip.value) }.count
        return ProvisionerError(
            .insufficientResources,
            "network \(network) is full: it has room for \(pool.count) nodes (\(first)–\(last)), "
                + "\(wanted) are wanted and \(held) addresses are reserved; "
                + "use a larger network (a smaller prefix) or fewer nodes")
    }
}
