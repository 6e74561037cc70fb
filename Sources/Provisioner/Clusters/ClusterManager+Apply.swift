import CloudInit
import Foundation
import KubeClient

/// What `cluster apply` (and the node part of `cluster create`) planned and did.
public struct ClusterApplyResult: Sendable, Codable {
    public var cluster: String
    public var plan: [ClusterPlan.Entry]
    public var notes: [String]
    /// Only planned, nothing changed.
    public var dryRun: Bool
    /// Nodes added (or replaced) and Ready.
    public var added: [String]
    public var failures: [NodeAddResult.Failure]
    public var resized: [NodeResizeResult]
    public var relabeled: [String]
    /// Shut-off nodes started (and Ready).
    public var started: [String]
    /// Nodes kinvm had left cordoned, uncordoned.
    public var uncordoned: [String]
    public var removed: [NodeRemoval]
    /// Per added node: seconds from its start to Ready.
    public var readySeconds: [String: Double]
    public var seconds: Double
}

extension ClusterManager {
    /// Brings the cluster to `spec`: the plan (``ClusterPlan``) from the spec and what libvirt and
    /// the API hold, then (unless `dryRun`) adds, replacements, resizes, labels and removals, in
    /// that order. The spec is recorded in the cluster network first, so the cluster is described
    /// by what was asked last even if this is interrupted. Applying the same spec twice changes
    /// nothing the second time.
    public func apply(
        _ spec: ClusterSpec, options: ClusterOptions = .init(), dryRun: Bool = false,
        progress: @escaping @Sendable (ClusterProgress) -> Void = { _ in }
    ) async throws(ProvisionerError) -> ClusterApplyResult {
        let network = ClusterNetwork(name: spec.network.name, cluster: spec.name, on: guests.connection, logger: logger)
        guard let state = try await network.state(), state.cluster == spec.name else {
            throw ProvisionerError(
                .notFound, "cluster '\(spec.name)' does not exist on \(guests.connection.uri) (no network '\(spec.network.name)' of it); "
                    + "`kinvm cluster create` makes it")
        }
        let kubeconfig = try await kubeconfig(spec.name)
        let current = dryRun ? state : try await ensureNetwork(spec, progress: progress)
        return try await withNodeManager(kubeconfig: kubeconfig) { nodes throws(ProvisionerError) in
            try await self.apply(spec, nodes: nodes, network: current, options: options, dryRun: dryRun, progress: progress)
        }
    }

    /// The plan for `spec` against the cluster as it is, carried out unless `dryRun`.
    func apply(
        _ spec: ClusterSpec, nodes: NodeManager, network: ClusterNetworkState, options: ClusterOptions, dryRun: Bool,
        progress: @escaping @Sendable (ClusterProgress) -> Void
    ) async throws(ProvisionerError) -> ClusterApplyResult {
        let clock = ContinuousClock()
        let start = clock.now
        let plan = try await plan(spec, nodes: nodes)
        var result = ClusterApplyResult(
            cluster: spec.name, plan: plan.entries, notes: plan.notes, dryRun: dryRun, added: [], failures: [], resized: [],
            relabeled: [], started: [], uncordoned: [], removed: [], readySeconds: [:], seconds: 0)
        guard !dryRun, !plan.isEmpty else {
            result.seconds = NodeManager.seconds(start.duration(to: clock.now))
            return result
        }
        var adds: [DesiredNode] = []
        for action in plan.actions {
            switch action {
            case .add(let node):
                adds.append(node)
            case .replace(let node, let reason):
                progress(ClusterProgress(node: node.name, step: "\(reason): deleting it to make it again"))
                _ = try await guests.delete(node.name)
                adds.append(node)
            default:
                break
            }
        }
        if !adds.isEmpty {
            let outcome = try await add(adds, spec: spec, nodes: nodes, network: network, options: options, progress: progress)
            result.added = outcome.nodes.map(\.name)
            result.failures = outcome.failures
            result.readySeconds = outcome.timings.readySeconds
        }
        var removals: [String] = []
        for action in plan.actions {
            switch action {
            case .resize(let name, _, let to, let method):
                let request = ResizeRequest(vcpus: to.vcpus, memory: to.memory, mode: method == .offline ? .config : .auto)
                if method == .offline {
                    progress(ClusterProgress(node: name, step: "changing the config of the shut-off guest"))
                    let outcome = try await guests.resize(name, request)
                    result.resized.append(
                        NodeResizeResult(name: name, method: "config", resize: outcome, drain: nil, capacity: nil, seconds: 0))
                } else {
                    result.resized.append(
                        try await nodes.resize(
                            name, request, drain: options.drain, drainTimeout: options.drainTimeout, readyTimeout: options.readyTimeout,
                            allowRestart: true, progress: { progress(ClusterProgress(node: name, step: $0)) }))
                }
            case .start(let name):
                progress(ClusterProgress(node: name, step: "starting the shut-off guest"))
                _ = try await guests.start(name, wait: .agent, timeout: options.readyTimeout)
                try await waitForNodeReady(
                    name, nodes: nodes, deadline: WaitDeadline(options.readyTimeout), report: { progress(ClusterProgress(node: name, step: $0)) })
                result.started.append(name)
            case .uncordon(let name):
                progress(ClusterProgress(node: name, step: "uncordoning (kinvm cordoned it and was interrupted)"))
                try await nodes.drainer.cordon(name, false)
                result.uncordoned.append(name)
            case .relabel(let name, let labels, let taints):
                progress(ClusterProgress(node: name, step: "setting " + (labels.map(\.description) + taints.map(\.description)).joined(separator: ", ")))
                try await relabel(name, labels: labels, taints: taints, nodes: nodes)
                result.relabeled.append(name)
            case .remove(let name, _):
                removals.append(name)
            case .add, .replace:
                break
            }
        }
        if !removals.isEmpty {
            result.removed = try await nodes.remove(removals, drain: options.drain, drainTimeout: options.drainTimeout) { step in
                progress(ClusterProgress(node: nil, step: step))
            }
            let network = ClusterNetwork(name: spec.network.name, cluster: spec.name, on: guests.connection, logger: logger)
            _ = try await network.release(nodes: removals)
        }
        result.seconds = NodeManager.seconds(start.duration(to: clock.now))
        if !result.failures.isEmpty {
            let failed = result.failures.map { "\($0.name): \($0.message)" }.joined(separator: "\n")
            throw ProvisionerError(.nodeNotReady, "\(result.failures.count) node(s) of cluster '\(spec.name)' did not become Ready:\n\(failed)")
        }
        return result
    }

    /// The plan for `spec` against the guests of the cluster and the API's Nodes.
    func plan(_ spec: ClusterSpec, nodes: NodeManager) async throws(ProvisionerError) -> ClusterPlan {
        let members = try await members(of: spec.name)
        let apiNodes: [Node]
        do {
            apiNodes = try await nodes.client.nodes().items
        } catch {
            throw .kube("cannot list the nodes of cluster '\(spec.name)'", error)
        }
        // Sizes from each guest's persistent definition (what kinvm last set, live changes
        // included): the balloon's figure can differ from it by a few KiB and would plan a resize
        // on every apply.
        var observed = ClusterObservation.nodes(of: spec.name, guests: members, nodes: apiNodes)
        for index in observed.indices {
            let config = try await guests.find(observed[index].name, requireOwned: true, action: "plan").spec
            observed[index].sizes = NodeSizes(
                vcpus: config.vcpus, maxVCPUs: config.effectiveMaxVCPUs, memory: config.memory, maxMemory: config.effectiveMaxMemory)
        }
        do {
            return try ClusterPlan.make(desired: spec.desiredNodes, observed: observed)
        } catch {
            throw ProvisionerError(.invalidState, "cluster '\(spec.name)': \(error.message)")
        }
    }

    /// Creates and joins `adds`, each pool's nodes in one batch, the pools at the same time; at
    /// most ``ClusterOptions/parallelism`` guests are created at once over all pools.
    func add(
        _ adds: [DesiredNode], spec: ClusterSpec, nodes: NodeManager, network: ClusterNetworkState, options: ClusterOptions,
        progress: @escaping @Sendable (ClusterProgress) -> Void
    ) async throws(ProvisionerError) -> NodeAddResult {
        let join = try await joinRequest(spec, options: options)
        let created = ClusterNetworkMetadata.timestamp(Date())
        var batches: [(group: String, request: NodeAddRequest)] = []
        let groups = spec.pools.filter { pool in adds.contains { $0.group == pool.name } }
        let share = max(1, options.parallelism / max(1, groups.count))
        for group in groups {
            var requests: [GuestCreateRequest] = []
            for node in adds where node.group == group.name {
                guard let reservation = network.reservation(for: node.name) else {
                    throw ProvisionerError(.notFound, "network '\(network.name)' has no address reserved for \(node.name)")
                }
                try await removeOrphanVolumes(of: node.name, pool: spec.storagePool)
                requests.append(guestRequest(spec, node: node, reservation: reservation, options: options, created: created))
            }
            batches.append(
                (
                    group.name,
                    NodeAddRequest(
                        guests: requests, join: join, labels: group.labels, taints: group.taints, templateSearchPath: templateSearchPath,
                        readyTimeout: options.readyTimeout, keepFailed: options.keepFailed, parallelism: share)
                ))
        }
        for batch in batches {
            progress(ClusterProgress(node: nil, step: "adding \(batch.request.guests.count) node(s) to pool \(batch.group)"))
        }
        let outcomes = await withTaskGroup(of: Result<NodeAddResult, ProvisionerError>.self) { group in
            for batch in batches {
                group.addTask {
                    do throws(ProvisionerError) {
                        return .success(
                            try await nodes.add(batch.request) { progress(ClusterProgress(node: $0.guest, step: $0.step)) })
                    } catch {
                        return .failure(error)
                    }
                }
            }
            var outcomes: [Result<NodeAddResult, ProvisionerError>] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        var merged = NodeAddResult(
            nodes: [], failures: [], timings: .init(totalSeconds: 0, kinvmSeconds: 0, waitSeconds: 0, readySeconds: [:]), bootstrapTokenID: nil)
        for outcome in outcomes {
            let result = try outcome.get()
            merged.nodes += result.nodes
            merged.failures += result.failures
            merged.timings.totalSeconds = max(merged.timings.totalSeconds, result.timings.totalSeconds)
            merged.timings.kinvmSeconds += result.timings.kinvmSeconds
            merged.timings.waitSeconds = max(merged.timings.waitSeconds, result.timings.waitSeconds)
            merged.timings.readySeconds.merge(result.timings.readySeconds) { first, _ in first }
        }
        return merged
    }

    /// How workers join: kubeadm through a bootstrap token made in the API; k3s with the node
    /// token read from the control plane.
    func joinRequest(_ spec: ClusterSpec, options: ClusterOptions) async throws(ProvisionerError) -> NodeAddRequest.JoinRequest {
        switch spec.kubernetes.distribution {
        case .kubeadm:
            return .kubeadm(endpoint: nil, tokenTTL: options.tokenTTL)
        case .k3s:
            let token = try await waitForFile(
                ControlPlaneRenderer.k3sNodeTokenPath, in: spec.controlPlaneNode.name, deadline: WaitDeadline(.seconds(120)), report: { _ in })
            let text = String(decoding: token, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return .k3s(server: nil, token: Secret(text), airgap: spec.kubernetes.airgap)
        }
    }

    /// Sets `labels` and adds `taints` on Node `name`.
    func relabel(_ name: String, labels: [NodeLabel], taints: [NodeTaint], nodes: NodeManager) async throws(ProvisionerError) {
        let guest = try await guests.get(name)
        let object: Node
        do {
            object = try await nodes.client.node(name)
        } catch {
            throw .kube("cannot read node \(name)", error)
        }
        let request = NodeAddRequest(
            guests: [], join: .kubeadm(endpoint: nil, tokenTTL: .seconds(60)), labels: labels, taints: taints,
            templateSearchPath: templateSearchPath)
        _ = try await nodes.labelAndAnnotate(name, guest: guest, request: request, node: object)
    }

    /// The cluster's admin kubeconfig, read from the control-plane guest through the agent and
    /// pointed at its address.
    public func kubeconfig(_ cluster: String) async throws(ProvisionerError) -> String {
        let spec = try await recordedSpec(cluster)
        let node = spec.controlPlaneNode
        let network = ClusterNetwork(name: spec.network.name, cluster: spec.name, on: guests.connection, logger: logger)
        guard let reservation = try await network.state()?.reservation(for: node.name) else {
            throw ProvisionerError(.notFound, "network '\(spec.network.name)' has no address reserved for \(node.name)")
        }
        let distribution: ControlPlaneSpec.Distribution = spec.kubernetes.distribution == .k3s ? .k3s : .kubeadm
        let found = try await guests.find(node.name, requireOwned: true, action: "read the kubeconfig of")
        guard let raw = try await GuestAgent(found.domain).readFileIfPresent(ControlPlaneRenderer.adminKubeconfigPath(distribution)) else {
            throw ProvisionerError(
                .notFound, "\(node.name) has no \(ControlPlaneRenderer.adminKubeconfigPath(distribution)) (yet); is the control plane up?")
        }
        return try ControlPlaneRenderer.adminKubeconfig(
            String(decoding: raw, as: UTF8.self), server: "https://\(reservation.ip):\(ControlPlaneRenderer.apiPort)", cluster: spec.name)
    }

    /// The spec recorded in the cluster's network.
    public func recordedSpec(_ cluster: String) async throws(ProvisionerError) -> ClusterSpec {
        let networks = try await ClusterNetwork.list(on: guests.connection)
        guard let state = networks.first(where: { $0.cluster == cluster }), let metadata = state.metadata else {
            throw ProvisionerError(.notFound, "no cluster '\(cluster)' on \(guests.connection.uri) (no kinvm network records it)")
        }
        do {
            return try ClusterSpec.parse(metadata.spec, file: "the spec recorded in network '\(state.name)'")
        } catch {
            throw .spec(error)
        }
    }
}
