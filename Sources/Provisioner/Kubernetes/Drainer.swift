import Foundation
import KubeClient

/// What a drain did.
public struct DrainReport: Sendable, Hashable, Codable {
    public var node: String
    /// `namespace/name` of each pod evicted.
    public var evicted: [String]
    /// kubectl-style notes: skipped DaemonSet and mirror pods, pods evicted with a warning.
    public var notes: [String]
    /// Evictions refused with HTTP 429 (a disruption budget) and tried again.
    public var retries: Int
    public var seconds: Double
}

/// Cordons and drains nodes through the API, the way `kubectl drain` does: evictions (never plain
/// deletes) so PodDisruptionBudgets are honoured, each pod evicted concurrently, a 429 retried
/// every `retryInterval` until the timeout, then a wait until every evicted pod is gone.
struct Drainer: Sendable {
    let client: KubeClient
    var retryInterval: Duration = .seconds(5)
    var pollInterval: Duration = .seconds(1)

    /// Cordons (or uncordons) `node`. With a `reason`, the annotation ``NodeManager/Annotation/cordoned``
    /// records that kinvm cordoned it and why, so that `cluster apply` can uncordon a node a killed
    /// kinvm left cordoned, and never one a person cordoned; uncordoning removes it.
    func cordon(_ node: String, _ on: Bool = true, reason: String? = nil) async throws(ProvisionerError) {
        var patch: [String: JSONValue] = ["spec": .object(["unschedulable": on ? .bool(true) : .null])]
        if !on || reason != nil {
            patch["metadata"] = .object(["annotations": .object([NodeManager.Annotation.cordoned: on ? .string(reason ?? "") : .null])])
        }
        do {
            _ = try await client.patchNode(node, mergePatch: .object(patch))
        } catch {
            throw .kube("cannot \(on ? "cordon" : "uncordon") node \(node)", error)
        }
    }

    /// The plan for `node`'s pods now (listing them by `spec.nodeName`).
    func plan(_ node: String, options: DrainPlan.Options) async throws(ProvisionerError) -> DrainPlan {
        let pods: [Pod]
        do {
            pods = try await client.pods(fieldSelector: "spec.nodeName=\(node)").items
        } catch {
            throw .kube("cannot list the pods on node \(node)", error)
        }
        return DrainPlan.make(pods: pods.map { DrainPlan.Pod($0) }, options: options)
    }

    /// Drains a cordoned node. Throws ``ProvisionerError/Code/drainBlocked`` before evicting anything
    /// when pods need `force`/`deleteEmptyDirData`, ``ProvisionerError/Code/timeout`` naming the pods
    /// left and the last answer for each when `timeout` passes.
    func drain(
        _ node: String, options: DrainPlan.Options, timeout: Duration, progress: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws(ProvisionerError) -> DrainReport {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start.advanced(by: timeout)
        let plan = try await plan(node, options: options)
        if let blockers = plan.blockerSummary {
            throw ProvisionerError(.drainBlocked, "cannot drain node \(node): \(blockers)")
        }
        for note in plan.notes { progress("node \(node): \(note)") }
        let outcomes = await withTaskGroup(of: EvictionOutcome.self) { group in
            for pod in plan.evict {
                group.addTask { await evictAndWait(pod, deadline: deadline, progress: progress) }
            }
            var all: [EvictionOutcome] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        if Task.isCancelled { throw ProvisionerError(.cancelled, "draining node \(node) was cancelled") }
        let failed = outcomes.filter { $0.failure != nil }
        if !failed.isEmpty {
            let timedOut = failed.allSatisfy { $0.timedOut }
            let details = failed.map { "\($0.pod): \($0.failure!)" }.joined(separator: "; ")
            throw ProvisionerError(
                timedOut ? .timeout : .kubernetes,
                (timedOut ? "draining node \(node) timed out after \(timeout): " : "draining node \(node) failed: ")
                    + details + "; the node is left cordoned")
        }
        let elapsed = start.duration(to: clock.now)
        return DrainReport(
            node: node, evicted: plan.evict.map(\.description), notes: plan.notes,
            retries: outcomes.reduce(0) { $0 + $1.retries },
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    struct EvictionOutcome: Sendable {
        var pod: String
        var retries = 0
        var failure: String?
        var timedOut = false
    }

    /// Evicts one pod (retrying 429 until the deadline), then waits until it is gone.
    func evictAndWait(
        _ pod: DrainPlan.Pod, deadline: ContinuousClock.Instant, progress: @escaping @Sendable (String) -> Void
    ) async -> EvictionOutcome {
        var outcome = EvictionOutcome(pod: pod.description)
        var lastRefusal: String?
        evicting: while true {
            do {
                try await client.evict(namespace: pod.namespace, name: pod.name)
                progress("evicted pod \(pod)")
                break evicting
            } catch where error.code == .notFound {
                return outcome
            } catch where error.code == .tooManyRequests {
                outcome.retries += 1
                let refusal = error.message
                if refusal != lastRefusal { progress("pod \(pod): \(describe(error)); retrying every \(retryInterval)") }
                lastRefusal = refusal
                guard ContinuousClock.now.advanced(by: retryInterval) < deadline else {
                    outcome.failure = "still not evictable: \(describe(error))"
                    outcome.timedOut = true
                    return outcome
                }
                do { try await Task.sleep(for: retryInterval) } catch {
                    outcome.failure = "cancelled"
                    return outcome
                }
            } catch {
                outcome.failure = "eviction failed: \(error)"
                return outcome
            }
        }
        // Gone when the API says NotFound, or a new pod with the same name has another uid.
        while true {
            do {
                let current = try await client.pod(namespace: pod.namespace, name: pod.name)
                if !pod.uid.isEmpty, current.metadata.uid != pod.uid { return outcome }
            } catch where error.code == .notFound {
                return outcome
            } catch {
                outcome.failure = "cannot tell whether it is gone: \(error)"
                return outcome
            }
            guard ContinuousClock.now < deadline else {
                outcome.failure = "evicted but still terminating"
                outcome.timedOut = true
                return outcome
            }
            do { try await Task.sleep(for: pollInterval) } catch {
                outcome.failure = "cancelled"
                return outcome
            }
        }
    }

    /// The Status message with its causes (the budget that blocks).
    func describe(_ error: KubeError) -> String {
        let causes = (error.status?.details?.causes ?? []).compactMap(\.message).filter { !error.message.contains($0) }
        return causes.isEmpty ? error.message : "\(error.message) (\(causes.joined(separator: "; ")))"
    }
}

/// The API's Pod (DrainPlan.Pod shadows the name inside its extension).
typealias APIPod = Pod

extension DrainPlan.Pod {
    init(_ pod: APIPod) {
        self.init(
            namespace: pod.namespace, name: pod.name, uid: pod.metadata.uid ?? "", phase: pod.status?.phase ?? "Unknown",
            controllerKind: pod.controller?.kind, isMirror: pod.isMirrorPod, usesEmptyDir: pod.hasEmptyDir)
    }
}
