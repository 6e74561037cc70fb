/// Another libvirt network whose addresses a cluster network's CIDR would share.
public struct NetworkConflict: Sendable, Hashable {
    public var network: String
    public var cidr: IPv4Network

    public init(network: String, cidr: IPv4Network) {
        self.network = network
        self.cidr = cidr
    }
}

/// Overlap of a CIDR with other libvirt networks' IPv4 ranges (pure: given their XML).
public enum NetworkOverlap {
    /// Every IPv4 `<ip>` range of `others` (name and XML of each network) that shares an address
    /// with `cidr`, in the order given.
    public static func conflicts(
        of cidr: IPv4Network, with others: [(name: String, xml: String)]
    ) throws(ProvisionerError) -> [NetworkConflict] {
        var conflicts: [NetworkConflict] = []
        for other in others {
            for range in try ClusterNetworkXML.ipv4Networks(other.xml) where range.overlaps(cidr) {
                conflicts.append(NetworkConflict(network: other.name, cidr: range))
            }
        }
        return conflicts
    }
}
