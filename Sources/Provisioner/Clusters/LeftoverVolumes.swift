/// Volumes a cluster create left without a guest (killed between making a node's volumes and
/// defining its domain), decided from facts already read (no I/O here).
///
/// A leftover is deleted only when kinvm can prove it made it: the cluster's record on this host
/// (written before any volume, see ``ClusterManager/ensureNetwork(_:progress:)``) reserves the
/// node's name here, the volume has exactly one of the names kinvm gives a node's volumes, no
/// domain of that name exists (kinvm's or anyone's), and no domain uses the volume — by pool and
/// name, by path, or through an overlay on it. Everything else that merely looks like one is kept
/// and reported with why. Without a readable record nothing is deleted.
public enum LeftoverVolumes {
    /// The suffixes of the volumes kinvm makes for a node (`NODE-root.qcow2`, …).
    public static let suffixes = ["-root.qcow2", "-seed.iso", "-airgap.tar"]

    /// One volume that looks like a node volume of the cluster.
    public struct Finding: Sendable, Hashable, Codable {
        public var pool: String
        public var volume: String
        public var node: String
        /// Why it is kept; nil: it is a leftover kinvm deletes.
        public var keptBecause: String?

        public var label: String { "\(pool)/\(volume)" }
    }

    /// What the record on one host proves: the cluster, its spec, and the node names it reserved
    /// on that host.
    public struct Record: Sendable, Hashable {
        public var cluster: String
        public var spec: ClusterSpec
        public var reservedNodes: Set<String>

        public init(cluster: String, spec: ClusterSpec, reservedNodes: Set<String>) {
            self.cluster = cluster
            self.spec = spec
            self.reservedNodes = reservedNodes
        }

        /// From the cluster network on `host`: nodes placed there (a multi-host record), or, for a
        /// cluster on one host, every node the record gives an address. Nil without a record or
        /// with a spec that does not parse.
        public init?(_ network: ClusterNetworkState?, host: String) {
            guard let metadata = network?.metadata, let spec = try? ClusterSpec.parse(metadata.spec), spec.name == metadata.cluster
            else { return nil }
            var nodes = Set(metadata.placements.filter { $0.value == host }.map(\.key))
            if spec.hosts.count <= 1 {
                nodes.formUnion(metadata.addresses.map(\.node))
                nodes.formUnion(network?.reservations.map(\.node) ?? [])
                nodes.formUnion(metadata.placements.keys)
            }
            self.init(cluster: metadata.cluster, spec: spec, reservedNodes: nodes.filter { spec.parseNodeName($0) != nil })
        }
    }

    /// The node a volume named `NODE-root.qcow2` (or another node volume suffix) is for, when
    /// NODE is a node name of `cluster` (`CLUSTER-GROUP-N`).
    public static func node(ofVolume volume: String, cluster: String) -> String? {
        for suffix in suffixes where volume.hasSuffix(suffix) {
            let node = String(volume.dropLast(suffix.count))
            return ClusterSpec.parseNodeName(node, cluster: cluster) != nil ? node : nil
        }
        return nil
    }

    /// Every volume in `pools` named like a node volume of `cluster`, each with whether it is a
    /// provable leftover. `domains`: every domain on the host with its disks; `overlays`: volumes
    /// backed by another; `volumes`: the volumes of the pools with their paths.
    static func findings(
        cluster: String, record: Record?, pools: Set<String>, volumes: [(pool: String, name: String, path: String)],
        domains: [String: [ImageUsage.Disk]], overlays: [ImageUsage.Overlay], only nodes: Set<String>? = nil
    ) -> [Finding] {
        var findings: [Finding] = []
        for volume in volumes where pools.contains(volume.pool) {
            guard let node = node(ofVolume: volume.name, cluster: cluster), nodes?.contains(node) ?? true else { continue }
            var finding = Finding(pool: volume.pool, volume: volume.name, node: node)
            let usage = ImageUsage.usage(
                of: ImageUsage.Image(pool: volume.pool, name: volume.name, path: volume.path), domains: domains, overlays: overlays)
            if record == nil {
                finding.keptBecause = "no record of cluster '\(cluster)' on this host proves kinvm made it"
            } else if record?.reservedNodes.contains(node) != true {
                finding.keptBecause = "the cluster's record does not reserve node \(node) on this host"
            } else if domains[node] != nil {
                finding.keptBecause = "a domain named \(node) exists"
            } else if let user = usage.domains.first {
                finding.keptBecause = "domain \(user) uses it"
            } else if let overlay = usage.overlays.first {
                finding.keptBecause = "volume \(overlay) is an overlay on it"
            }
            findings.append(finding)
        }
        return findings.sorted { ($0.pool, $0.volume) < ($1.pool, $1.volume) }
    }
}
