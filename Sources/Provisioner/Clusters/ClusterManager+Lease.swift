extension ClusterManager {
    /// Runs `body` holding the cluster's lease (``ClusterLease``), taken on the cluster's first
    /// host: the first of `hosts` (the spec's, in order) this manager reaches, else its first
    /// host. Released when `body` returns or throws (a killed run's lease is taken over: see
    /// ``ClusterLease``).
    func withLease<T: Sendable>(
        _ cluster: String, hosts: [ClusterHost], command: String, wait: Duration,
        progress: @escaping @Sendable (ClusterProgress) -> Void, _ body: () async throws(ProvisionerError) -> T
    ) async throws(ProvisionerError) -> T {
        let member = hosts.lazy.compactMap { self.fleet.member(named: $0.name) }.first ?? fleet.members[0]
        let lease = try await ClusterLease.acquire(cluster, on: member.connection, command: command, wait: wait, logger: logger) { message in
            progress(ClusterProgress(node: nil, step: message))
        }
        await KillPoint.clusterLeaseTaken.reachOrPause(cluster)
        do {
            let result = try await body()
            await lease.release()
            return result
        } catch {
            await lease.release()
            throw error
        }
    }
}
