import DomainTemplates
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
    /// Node -> host, for a cluster over several hosts (empty on one host).
    public var placements: [String: String] = [:]
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
        guard !dryRun else { return try await applyHoldingLease(spec, options: options, dryRun: true, progress: progress) }
        return try await withLease(spec.name, hosts: spec.hosts, command: "cluster apply", wait: options.leaseWait, progress: progress) {
            () async throws(ProvisionerError) in
            try await applyHoldingLease(spec, options: options, dryRun: false, progress: progress)
        }
    }

    private func applyHoldingLease(
        _ spec: ClusterSpec, options: ClusterOptions, dryRun: Bool, progress: @escaping @Sendable (ClusterProgress) -> Void
    ) async throws(ProvisionerError) -> ClusterApplyResult {
        guard var state = try await records(of: spec.name).latest?.state else {
            let hosts = fleet.members.map(\.host.name).joined(separator: ", ")
            throw ProvisionerError(
                .notFound, "cluster '\(spec.name)' does not exist on \(hosts) (no network '\(spec.network.name)' of it); "
                    + "`kinvm cluster create` makes it")
        }
        let kubeconfig = try await kubeconfig(spec.name)
        var placementNotes: [String] = []
        if dryRun {
            let (plan, placements) = try await placement(
                for: spec, recorded: state.metadata?.placements ?? [:], guests: try await members(of: spec.name))
            state.metadata?.placements = placements
            let placed = spec.hosts.isEmpty ? [] : plan.assignments
            placementNotes = placed.map { "\($0.node) would be placed on host \($0.host) (\(spec.placement.rawValue))" } + plan.notes
        }
        let current = dryRun ? state : try await ensureNetwork(spec, progress: progress)
        if !dryRun { await KillPoint.clusterApplyPlanned.reachOrPause(spec.name) }
        var result = try await withNodeManager(kubeconfig: kubeconfig) { nodes throws(ProvisionerError) in
            try await self.apply(spec, nodes: nodes, network: current, options: options, dryRun: dryRun, progress: progress)
        }
        result.notes = placementNotes + result.notes
        return result
    }

    /// The plan for `spec` against the cluster as it is, carried out unless `dryRun`.
    func apply(
        _ spec: ClusterSpec, nodes: NodeManager, network: ClusterNetworkState, options: ClusterOptions, dryRun: Bool,
        progress: @escaping @Sendable (ClusterProgress) -> Void
    ) async throws(ProvisionerError) -> ClusterApplyResult {
        let clock = ContinuousClock()
        let start = clock.now
        let placements = network.metadata?.placements ?? [:]
        let (plan, unknown) = try await plan(spec, nodes: nodes, placements: placements)
        var result = ClusterApplyResult(
            cluster: spec.name, plan: plan.entries, notes: plan.notes + unknown, dryRun: dryRun, added: [], failures: [], resized: [],
            relabeled: [], started: [], uncordoned: [], removed: [], readySeconds: [:], seconds: 0)
        // A host that went down after it was connected: its nodes are reported, not silently skipped.
        for (host, reason) in outages.all.sorted(by: { $0.key < $1.key }) {
            for node in placements.filter({ $0.value == host }).keys.sorted() {
                result.failures.append(.init(name: node, message: "host \(host) stopped answering (\(reason)); \(node) was left as it is", kept: false))
            }
        }
        result.placements = placements
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
                do throws(ProvisionerError) {
                    _ = try await guests(for: node.name, placements: placements).delete(node.name)
                    adds.append(node)
                } catch {
                    result.failures.append(.init(name: node.name, message: error.message, kept: false))
                }
            default:
                break
            }
        }
        if !adds.isEmpty {
            let outcome = try await add(adds, spec: spec, nodes: nodes, network: network, options: options, progress: progress)
            result.added = outcome.nodes.map(\.name)
            result.failures += outcome.failures
            result.readySeconds = outcome.timings.readySeconds
        }
        var removals: [String] = []
        for action in plan.actions {
            // Each node's change is its own: one that fails (a host that went down, a drain that
            // is blocked) is reported at the end and the others go on.
            do throws(ProvisionerError) {
                try await carryOut(action, spec: spec, nodes: nodes, placements: placements, options: options, result: &result, progress: progress)
            } catch {
                progress(ClusterProgress(node: action.nodeName, step: "failed: \(error.message)"))
                result.failures.append(.init(name: action.nodeName, message: error.message, kept: false))
            }
            if case .remove(let name, _) = action { removals.append(name) }
        }
        if !removals.isEmpty {
            var byHost: [String: [String]] = [:]
            var hosts: [String: GuestManager] = [:]
            for name in removals {
                do throws(ProvisionerError) {
                    let member = try await member(for: name, placements: placements)
                    byHost[member.host.name, default: []].append(name)
                    hosts[member.host.name] = member.guests
                } catch {
                    result.failures.append(.init(name: name, message: error.message, kept: false))
                }
            }
            for (host, names) in byHost.sorted(by: { $0.key < $1.key }) {
                do throws(ProvisionerError) {
                    let removed = try await nodes.on(hosts[host]!).remove(names, drain: options.drain, drainTimeout: options.drainTimeout) { step in
                        progress(ClusterProgress(node: nil, step: step))
                    }
                    result.removed += removed
                    for name in names { locator.forget(name) }
                } catch {
                    for name in names { result.failures.append(.init(name: name, message: error.message, kept: false)) }
                }
            }
            let gone = result.removed.map(\.name)
            if !gone.isEmpty { try await releaseAddresses(spec, nodes: gone) }
        }
        result.seconds = NodeManager.seconds(start.duration(to: clock.now))
        if !result.failures.isEmpty {
            let failed = result.failures.map { "\($0.name): \($0.message)" }.joined(separator: "\n")
            throw ProvisionerError(
                .nodeNotReady, "\(result.failures.count) node change(s) of cluster '\(spec.name)' failed (the others were made):\n\(failed)")
        }
        return result
    }

    /// One planned change to one existing node (adds and removals are done in batches elsewhere).
    func carryOut(
        _ action: ClusterPlan.Action, spec: ClusterSpec, nodes: NodeManager, placements: [String: String], options: ClusterOptions,
        result: inout ClusterApplyResult, progress: @escaping @Sendable (ClusterProgress) -> Void
    ) async throws(ProvisionerError) {
        switch action {
        case .resize(let name, _, let to, let method):
            let host = try await guests(for: name, placements: placements)
            let request = ResizeRequest(vcpus: to.vcpus, memory: to.memory, mode: method == .offline ? .config : .auto)
            if method == .offline {
                progress(ClusterProgress(node: name, step: "changing the config of the shut-off guest"))
                let outcome = try await host.resize(name, request)
                result.resized.append(NodeResizeResult(name: name, method: "config", resize: outcome, drain: nil, capacity: nil, seconds: 0))
            } else {
                result.resized.append(
                    try await nodes.on(host).resize(
                        name, request, drain: options.drain, drainTimeout: options.drainTimeout, readyTimeout: options.readyTimeout,
                        allowRestart: true, progress: { progress(ClusterProgress(node: name, step: $0)) }))
            }
        case .start(let name):
            progress(ClusterProgress(node: name, step: "starting the shut-off guest"))
            _ = try await guests(for: name, placements: placements).start(name, wait: .agent, timeout: options.readyTimeout)
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
        case .add, .replace, .remove:
            break
        }
    }

    /// The plan for `spec` against the guests of the cluster (on every reachable host) and the
    /// API's Nodes, and notes for the nodes that live on hosts that did not answer: those are
    /// left out of the plan (neither added elsewhere nor removed).
    func plan(_ spec: ClusterSpec, nodes: NodeManager, placements: [String: String] = [:]) async throws(ProvisionerError)
        -> (plan: ClusterPlan, unknown: [String])
    {
        let members = try await members(of: spec.name)
        let apiNodes: [Node]
        do {
            apiNodes = try await nodes.client.nodes().items
        } catch {
            throw .kube("cannot list the nodes of cluster '\(spec.name)'", error)
        }
        let seen = Set(members.map(\.name))
        let down = Set(unreachableHosts(of: spec).map(\.host))
        let unknown = placements.filter { node, host in down.contains(host) && !seen.contains(node) }.keys.sorted()
        // Sizes from each guest's persistent definition (what kinvm last set, live changes
        // included): the balloon's figure can differ from it by a few KiB and would plan a resize
        // on every apply.
        var observed = ClusterObservation.nodes(of: spec.name, guests: members, nodes: apiNodes)
        for index in observed.indices {
            let config = try await guests(for: observed[index].name).find(observed[index].name, requireOwned: true, action: "plan").spec
            observed[index].sizes = NodeSizes(
                vcpus: config.vcpus, maxVCPUs: config.effectiveMaxVCPUs, memory: config.memory, maxMemory: config.effectiveMaxMemory)
        }
        let desired = spec.desiredNodes.filter { !unknown.contains($0.name) }
        var notes: [String] = []
        if !unknown.isEmpty {
            var byHost: [String: [String]] = [:]
            for node in unknown { byHost[placements[node]!, default: []].append(node) }
            for (host, names) in byHost.sorted(by: { $0.key < $1.key }) {
                let reason = unreachableHosts(of: spec).first { $0.host == host }?.reason ?? ""
                notes.append("host \(host) is unreachable (\(reason)): \(names.joined(separator: ", ")) left as they are")
            }
        }
        do {
            return (try ClusterPlan.make(desired: desired, observed: observed), notes)
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
        let placements = network.metadata?.placements ?? [:]
        // One batch per pool and host: each host's guests are made through its own connection.
        var batches: [(group: String, host: HostFleet.Member, request: NodeAddRequest)] = []
        var failures: [NodeAddResult.Failure] = []
        let groups = spec.pools.filter { pool in adds.contains { $0.group == pool.name } }
        var planned: [(group: NodeGroup, host: HostFleet.Member, requests: [GuestCreateRequest])] = []
        for group in groups {
            var byHost: [String: (HostFleet.Member, [GuestCreateRequest])] = [:]
            var order: [String] = []
            for node in adds where node.group == group.name {
                guard let reservation = network.reservation(for: node.name) else {
                    throw ProvisionerError(.notFound, "network '\(network.name)' has no address reserved for \(node.name)")
                }
                let host: HostFleet.Member
                do throws(ProvisionerError) {
                    host = try await member(for: node.name, placements: placements)
                } catch {
                    failures.append(.init(name: node.name, message: error.message, kept: false))
                    continue
                }
                try await removeLeftoverVolumes(of: node.name, spec: spec, on: host)
                if byHost[host.host.name] == nil { order.append(host.host.name) }
                byHost[host.host.name, default: (host, [])].1.append(
                    guestRequest(spec, node: node, reservation: reservation, options: options, created: created))
            }
            for name in order { planned.append((group, byHost[name]!.0, byHost[name]!.1)) }
        }
        let share = max(1, options.parallelism / max(1, planned.count))
        // The image (and boot files) on every host that gets nodes, all hosts at once.
        var boots: [String: DirectBoot?] = [:]
        var targets: [HostFleet.Member] = []
        for entry in planned where !targets.contains(where: { $0.host.name == entry.host.host.name }) { targets.append(entry.host) }
        let prepared = await FanOut.map(targets) { (member) async throws(ProvisionerError) in
            try await prepareImages(spec, on: member, progress: progress)
        }
        for (member, result) in zip(targets, prepared) { boots[member.host.name] = try result.get() }
        for (group, host, var requests) in planned {
            let boot = boots[host.host.name] ?? spec.boot
            for index in requests.indices { requests[index].directBoot = boot }
            batches.append(
                (
                    group.name, host,
                    NodeAddRequest(
                        guests: requests, join: join, labels: group.labels, taints: group.taints, templateSearchPath: templateSearchPath,
                        readyTimeout: options.readyTimeout, keepFailed: options.keepFailed, parallelism: share)
                ))
        }
        for batch in batches {
            let on = fleet.members.count > 1 ? " on host \(batch.host.host.name)" : ""
            progress(ClusterProgress(node: nil, step: "adding \(batch.request.guests.count) node(s) to pool \(batch.group)\(on)"))
        }
        let outcomes = await FanOut.map(batches) { (batch) async throws(ProvisionerError) -> NodeAddResult in
            let result = try await nodes.on(batch.host.guests).add(batch.request) {
                progress(ClusterProgress(node: $0.guest, step: $0.step))
            }
            for node in result.nodes { locator.remember(node.name, host: batch.host.host.name) }
            return result
        }
        var merged = NodeAddResult(
            nodes: [], failures: failures, timings: .init(totalSeconds: 0, kinvmSeconds: 0, waitSeconds: 0, readySeconds: [:]), bootstrapTokenID: nil)
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
        let host = try await guests(for: name)
        let guest = try await host.get(name)
        let object: Node
        do {
            object = try await nodes.client.node(name)
        } catch {
            throw .kube("cannot read node \(name)", error)
        }
        let request = NodeAddRequest(
            guests: [], join: .kubeadm(endpoint: nil, tokenTTL: .seconds(60)), labels: labels, taints: taints,
            templateSearchPath: templateSearchPath)
        _ = try await nodes.on(host).labelAndAnnotate(name, guest: guest, request: request, node: object)
    }

    /// The cluster's admin kubeconfig, read from the control-plane guest through the agent and
    /// pointed at its address.
    public func kubeconfig(_ cluster: String) async throws(ProvisionerError) -> String {
        let records = try await records(of: cluster)
        let spec = try recordedSpec(cluster, in: records)
        let node = spec.controlPlaneNode
        let state = records.latest?.state
        guard let reservation = state?.reservation(for: node.name) else {
            throw ProvisionerError(.notFound, "network '\(spec.network.name)' has no address reserved for \(node.name)")
        }
        let distribution: ControlPlaneSpec.Distribution = spec.kubernetes.distribution == .k3s ? .k3s : .kubeadm
        let found = try await guests(for: node.name, placements: state?.metadata?.placements ?? [:])
            .find(node.name, requireOwned: true, action: "read the kubeconfig of")
        guard let raw = try await GuestAgent(found.domain).readFileIfPresent(ControlPlaneRenderer.adminKubeconfigPath(distribution)) else {
            throw ProvisionerError(
                .notFound, "\(node.name) has no \(ControlPlaneRenderer.adminKubeconfigPath(distribution)) (yet); is the control plane up?")
        }
        return try ControlPlaneRenderer.adminKubeconfig(
            String(decoding: raw, as: UTF8.self), server: "https://\(reservation.ip):\(ControlPlaneRenderer.apiPort)", cluster: spec.name)
    }

    /// The spec recorded in the cluster's network.
    public func recordedSpec(_ cluster: String) async throws(ProvisionerError) -> ClusterSpec {
        try recordedSpec(cluster, in: try await records(of: cluster))
    }

    func recordedSpec(_ cluster: String, in records: ClusterRecords) throws(ProvisionerError) -> ClusterSpec {
        guard let state = records.latest?.state, let metadata = state.metadata else {
            let hosts = fleet.members.map { $0.connection.uri }.joined(separator: ", ")
            throw ProvisionerError(.notFound, "no cluster '\(cluster)' on \(hosts) (no kinvm network records it)")
        }
        do {
            return try ClusterSpec.parse(metadata.spec, file: "the spec recorded in network '\(state.name)'")
        } catch {
            throw .spec(error)
        }
    }
}
