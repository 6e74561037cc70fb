import Foundation
import KubeClient

/// A cluster as `cluster list` and `cluster get` show it.
public struct ClusterInfo: Sendable, Codable, Hashable {
    public var name: String
    /// The libvirt network (nil when it is gone: a half-deleted cluster).
    public var network: String?
    public var cidr: String?
    /// `k3s` or `kubeadm`, from the recorded spec.
    public var distribution: String?
    public var created: String?
    public var ttlSeconds: Int?
    /// When `kinvm gc` may delete it (RFC 3339); nil without a TTL.
    public var expires: String?
    /// https://CONTROL_PLANE_IP:6443
    public var apiServer: String?
    /// Pool name -> nodes the spec wants.
    public var wanted: [String: Int]
    public var nodes: [NodeInfo]
    /// `ready` (every wanted node exists and, when the API was asked, is Ready), `incomplete`
    /// (nodes missing or not Ready, or a host of it unreachable), `deleting` (a `cluster delete`
    /// could not reach every host yet) or `broken` (no network, or no recorded spec).
    public var status: String
    /// The hosts of the cluster (the spec's), in order; one for a cluster on one host.
    public var hosts: [String] = []
    /// Hosts of the cluster that did not answer, with why.
    public var unreachableHosts: [String: String] = [:]
    /// Hosts a deletion still has to clean.
    public var pendingDelete: [String] = []

    public struct NodeInfo: Sendable, Codable, Hashable {
        public var name: String
        public var pool: String
        public var role: String
        /// libvirt's state.
        public var state: String
        public var vcpus: Int
        public var memoryBytes: UInt64
        public var ip: String?
        /// From the API (`cluster get`): Ready, NotReady, Missing; nil when not asked.
        public var nodeStatus: String?
        /// The host the guest lives on.
        public var host: String?
    }
}

extension ClusterManager {
    /// Every kinvm cluster on the connection, from the networks' records and the guests'
    /// metadata (a cluster with only one of them left is listed as `broken`), without asking
    /// any API server.
    public func list() async throws(ProvisionerError) -> [ClusterInfo] {
        let lists = await fleet.forEach { member throws(ProvisionerError) in try await ClusterNetwork.list(on: member.connection) }
        var networks: [String: [String: ClusterNetworkState]] = [:]
        for (host, outcome) in lists {
            for network in try outcome.get() { if let cluster = network.cluster { networks[cluster, default: [:]][host] = network } }
        }
        let allGuests = try await allGuests()
        var names = Set(networks.keys)
        for guest in allGuests where guest.owned { if let cluster = guest.cluster { names.insert(cluster) } }
        return names.sorted().map { name in
            let records = ClusterRecords(byHost: networks[name] ?? [:])
            var info = Self.info(name, network: records.latest?.state, guests: allGuests.filter { $0.owned && $0.cluster == name })
            let spec = records.latest?.state.metadata.flatMap { try? ClusterSpec.parse($0.spec) }
            if let spec {
                info.hosts = spec.hosts.isEmpty ? [fleet.members[0].host.name] : spec.hosts.map(\.name)
                for (host, reason) in unreachableHosts(of: spec) { info.unreachableHosts[host] = reason }
            } else {
                info.hosts = Array(Set(records.byHost.keys).union(allGuests.filter { $0.cluster == name }.compactMap(\.host))).sorted()
            }
            info.pendingDelete = records.latest?.state.metadata?.pendingDelete ?? []
            if !info.pendingDelete.isEmpty {
                info.status = "deleting"
            } else if !info.unreachableHosts.isEmpty, info.status == "ready" {
                info.status = "incomplete"
            }
            return info
        }
    }

    /// One cluster; with `askAPI`, each node's status from the cluster's API server as well
    /// (unreachable API: the statuses stay nil and the cluster is `incomplete`).
    public func get(_ cluster: String, askAPI: Bool = true) async throws(ProvisionerError) -> ClusterInfo {
        guard var info = try await list().first(where: { $0.name == cluster }) else {
            throw ProvisionerError(.notFound, "no cluster '\(cluster)' on \(fleet.members.map { $0.connection.uri }.joined(separator: ", "))")
        }
        guard askAPI, info.status != "broken", info.status != "deleting" else { return info }
        let apiNodes: [String: Node]
        do {
            let kubeconfig = try await kubeconfig(cluster)
            let items = try await withNodeManager(kubeconfig: kubeconfig) { nodes throws(ProvisionerError) in
                do throws(KubeError) {
                    return try await nodes.client.nodes().items
                } catch {
                    throw .kube("cannot list the nodes of cluster '\(cluster)'", error)
                }
            }
            apiNodes = Dictionary(items.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        } catch {
            info.status = "incomplete"
            return info
        }
        for index in info.nodes.indices {
            let node = apiNodes[info.nodes[index].name]
            info.nodes[index].nodeStatus = node.map { $0.isReady ? "Ready" : "NotReady" } ?? "Missing"
        }
        if info.nodes.contains(where: { $0.nodeStatus != "Ready" }) { info.status = "incomplete" }
        return info
    }

    static func info(_ name: String, network: ClusterNetworkState?, guests: [GuestInfo]) -> ClusterInfo {
        let spec = network?.metadata.flatMap { try? ClusterSpec.parse($0.spec) }
        let created = network?.metadata?.created ?? guests.compactMap(\.created).min()
        let ttl = network?.metadata?.ttlSeconds ?? guests.compactMap(\.ttlSeconds).first
        let formatter = ISO8601DateFormatter()
        let expires = created.flatMap(formatter.date(from:)).flatMap { date in ttl.map { formatter.string(from: date.addingTimeInterval(TimeInterval($0))) } }
        var wanted: [String: Int] = [:]
        for group in spec?.groups ?? [] { wanted[group.name] = group.count }
        let nodes = guests.map { guest in
            ClusterInfo.NodeInfo(
                name: guest.name, pool: guest.nodePool ?? "", role: guest.role ?? "", state: guest.state, vcpus: guest.vcpus,
                memoryBytes: guest.memoryBytes, ip: network?.reservation(for: guest.name)?.ip.description, nodeStatus: nil,
                host: guest.host)
        }
        let controlPlaneIP = spec.flatMap { network?.reservation(for: $0.controlPlaneNode.name)?.ip.description }
        let status: String
        if network == nil || spec == nil {
            status = "broken"
        } else if let spec, Set(spec.desiredNodes.map(\.name)).isSubset(of: Set(guests.map(\.name))), guests.allSatisfy({ $0.state == "running" }) {
            status = "ready"
        } else {
            status = "incomplete"
        }
        return ClusterInfo(
            name: name, network: network?.name, cidr: (network?.cidr ?? spec?.network.cidr)?.description, distribution: spec?.kubernetes.distribution.rawValue,
            created: created, ttlSeconds: ttl, expires: expires,
            apiServer: controlPlaneIP.map { "https://\($0):\(ControlPlaneRenderer.apiPort)" }, wanted: wanted, nodes: nodes, status: status)
    }
}
