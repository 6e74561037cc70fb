import Foundation
import KubeClient

extension NodeManager {
    /// Resizes node `name`'s guest, keeping the Node's reported capacity true.
    ///
    /// Live when every change fits the ceilings (vCPU hot-add, balloon): the guest is resized and
    /// verified inside, then the kubelet (or k3s agent) is restarted through the guest agent and
    /// kinvm waits until the Node reports the new capacity. Otherwise (fewer vCPUs, above a ceiling)
    /// the node is cordoned and drained, the guest stopped gracefully, changed, started, and
    /// uncordoned once Ready again with the new capacity.
    public func resize(
        _ name: String, _ request: ResizeRequest, drain options: DrainPlan.Options = .init(), drainTimeout: Duration = .seconds(300),
        readyTimeout: Duration = .seconds(600), allowRestart: Bool = true,
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws(ProvisionerError) -> NodeResizeResult {
        let clock = ContinuousClock()
        let start = clock.now
        let found = try await kinvmNode(name, action: "resize")
        guard let current = try await nodeIfPresent(name) else {
            throw ProvisionerError(
                .notFound, "guest \(name) has no Node object in \(access.server); it is not a node of this cluster (nothing changed)")
        }
        let preview = try await guests.previewResize(name, request)
        guard preview.changes else {
            let outcome = try await guests.resize(name, request)
            return NodeResizeResult(
                name: name, method: "none", resize: outcome, drain: nil, capacity: nil, seconds: Self.seconds(start.duration(to: clock.now)))
        }
        let unit = Self.serviceUnit(found.spec.metadata)
        if preview.live {
            progress("resizing \(name) live")
            var live = request
            live.mode = .live
            let outcome = try await guests.resize(name, live) { progress($0.step) }
            let restartedAt = Date()
            progress("restarting the \(unit) in \(name) so the Node reports the new capacity")
            try await restartKubelet(name, unit: unit)
            let node = try await waitForCapacity(name, outcome: outcome, since: restartedAt, timeout: readyTimeout, progress: progress)
            return NodeResizeResult(
                name: name, method: "live", resize: outcome, drain: nil, capacity: Self.capacity(of: node),
                seconds: Self.seconds(start.duration(to: clock.now)))
        }
        guard allowRestart else {
            throw ProvisionerError(
                .unsupported, (preview.refusal ?? "a live resize is not possible") + "; without --no-restart kinvm would drain and restart the node")
        }
        // A node someone else cordoned stays cordoned afterwards; kinvm's own cordon is marked.
        let cordonedBefore = current.isUnschedulable
        progress("\(preview.refusal ?? "a live resize is not possible"): cordoning, draining and restarting \(name)")
        if !cordonedBefore { try await drainer.cordon(name, reason: "resize") }
        let drain = try await drainer.drain(name, options: options, timeout: drainTimeout, progress: progress)
        var restart = request
        restart.mode = .restart
        let restartedAt = Date()
        let outcome = try await guests.resize(name, restart) { progress($0.step) }
        let node = try await waitForCapacity(name, outcome: outcome, since: restartedAt, timeout: readyTimeout, progress: progress)
        if !cordonedBefore {
            try await drainer.cordon(name, false)
            progress("uncordoned \(name)")
        } else {
            progress("\(name) was cordoned before the resize and stays cordoned")
        }
        return NodeResizeResult(
            name: name, method: "restart", resize: outcome, drain: drain, capacity: Self.capacity(of: node),
            seconds: Self.seconds(start.duration(to: clock.now)))
    }

    /// `systemctl restart UNIT` through the guest agent.
    func restartKubelet(_ name: String, unit: String) async throws(ProvisionerError) {
        let result = try await guests.exec(name, "/bin/systemctl", ["restart", unit], timeout: .seconds(60))
        guard result.exitCode == 0 else {
            throw ProvisionerError(
                .guestAgent, "systemctl restart \(unit) in \(name) exited with \(result.exitCode): \(result.stderrText)")
        }
    }

    /// Waits until the Node is Ready with a heartbeat after `since` and reports the guest's vCPUs
    /// and (within 1%) the memory the guest sees.
    func waitForCapacity(
        _ name: String, outcome: ResizeOutcome, since: Date, timeout: Duration, progress: @escaping @Sendable (String) -> Void
    ) async throws(ProvisionerError) -> Node {
        let vcpus = outcome.after.vcpus
        let guestMemory: Int64? =
            if let found = try? await guests.find(name, requireOwned: false, action: "read"),
                let bytes = try? await GuestAgent(found.domain).memTotalBytes()
            {
                Int64(bytes)
            } else {
                nil
            }
        return try await waitUntilReady(
            name, timeout: timeout, since: since,
            accept: { node in
                guard node.cpuCapacityCores == Int64(vcpus) else { return false }
                guard let want = guestMemory, let have = node.memoryCapacityBytes else { return guestMemory == nil }
                return abs(Double(have - want)) <= Double(want) * 0.01
            }, progress: progress)
    }
}
