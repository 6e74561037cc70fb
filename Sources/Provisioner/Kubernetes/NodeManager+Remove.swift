import Foundation
import KubeClient

extension NodeManager {
    /// Removes nodes: every name is checked first (each must be a kinvm node guest; nothing is
    /// touched otherwise), then, one node at a time: cordon, drain (evictions honouring
    /// PodDisruptionBudgets, 429 retried until `drainTimeout`), delete the Node object, delete the
    /// guest and its volumes. A node whose drain fails is left cordoned and its guest kept; the
    /// remaining nodes are not touched, and the error says so.
    public func remove(
        _ names: [String], drain options: DrainPlan.Options = .init(), drainTimeout: Duration = .seconds(300),
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws(ProvisionerError) -> [NodeRemoval] {
        try await Self.remove(
            names, managers: Dictionary(names.map { ($0, self) }, uniquingKeysWith: { first, _ in first }), drain: options,
            drainTimeout: drainTimeout, progress: progress)
    }

    /// ``remove(_:drain:drainTimeout:progress:)`` of nodes whose guests are on several hosts:
    /// each name with the manager of its guest's host (`managers[name]`). Every name is checked on
    /// its host before any is touched; then they go in the order given.
    public static func remove(
        _ names: [String], managers: [String: NodeManager], drain options: DrainPlan.Options = .init(),
        drainTimeout: Duration = .seconds(300), progress: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws(ProvisionerError) -> [NodeRemoval] {
        guard !names.isEmpty else { throw ProvisionerError(.invalidArgument, "no nodes to remove") }
        var ordered: [(name: String, manager: NodeManager)] = []
        for name in names {
            guard let manager = managers[name] else { throw ProvisionerError(.notFound, "no host was given for node \(name)") }
            _ = try await manager.kinvmNode(name, action: "remove")
            ordered.append((name, manager))
        }
        var removed: [NodeRemoval] = []
        for (index, (name, manager)) in ordered.enumerated() {
            do throws(ProvisionerError) {
                removed.append(try await manager.removeOne(name, options: options, drainTimeout: drainTimeout, progress: progress))
            } catch {
                let done = removed.map(\.name)
                let untouched = names.suffix(from: index + 1)
                var message = "removing node \(name) failed: \(error.message)"
                if !done.isEmpty { message += "; removed before it: \(done.joined(separator: ", "))" }
                if !untouched.isEmpty { message += "; not touched: \(untouched.joined(separator: ", "))" }
                throw ProvisionerError(error.code, message)
            }
        }
        return removed
    }

    func removeOne(
        _ name: String, options: DrainPlan.Options, drainTimeout: Duration, progress: @escaping @Sendable (String) -> Void
    ) async throws(ProvisionerError) -> NodeRemoval {
        let clock = ContinuousClock()
        let start = clock.now
        var drain: DrainReport?
        var nodeDeleted = false
        if try await nodeIfPresent(name) != nil {
            progress("cordoning \(name)")
            try await drainer.cordon(name, reason: "remove")
            progress("draining \(name)")
            drain = try await drainer.drain(name, options: options, timeout: drainTimeout, progress: progress)
            KillPoint.nodeDrained.reach(name)
            progress("deleting Node \(name)")
            do {
                try await client.deleteNode(name)
                nodeDeleted = true
            } catch where error.code == .notFound {
            } catch {
                throw .kube("cannot delete Node \(name) (drained and left cordoned; the guest is kept)", error)
            }
        } else {
            progress("node \(name) has no Node object in \(access.server); deleting the guest only")
        }
        progress("deleting guest \(name)")
        let guest = try await guests.delete(name)
        return NodeRemoval(
            name: name, drain: drain, nodeDeleted: nodeDeleted, guest: guest, seconds: Self.seconds(start.duration(to: clock.now)))
    }
}
