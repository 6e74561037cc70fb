import KubeClient

extension NodeManager {
    /// Every kinvm node guest on this host, with its Node object. Guests that joined another
    /// cluster (another API server) are left out unless `allClusters`.
    public func list(allClusters: Bool = false) async throws(ProvisionerError) -> [NodeSummary] {
        let all = try await guests.list()
        let mine = all.filter { $0.join != nil && (allClusters || $0.apiServer == access.server) }
        let nodes: [String: Node]
        do {
            nodes = Dictionary(try await client.nodes().items.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        } catch {
            throw .kube("cannot list the nodes of \(access.server)", error)
        }
        return mine.map { nodeInfo(guest: $0, node: nodes[$0.name]) }
    }

    /// One node.
    public func get(_ name: String) async throws(ProvisionerError) -> NodeSummary {
        _ = try await kinvmNode(name, action: "describe")
        return nodeInfo(guest: try await guests.get(name), node: try await nodeIfPresent(name))
    }
}
