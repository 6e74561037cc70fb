import Foundation

/// Whether evicting a pod keeps every PodDisruptionBudget that selects it satisfied — the decision of
/// the real eviction subresource, with the budget's status computed on the spot instead of by the
/// disruption controller.
enum EvictionDecision: Sendable, Equatable {
    case allowed
    /// 429: the budget needs `desiredHealthy` healthy pods and has `currentHealthy`.
    case blocked(budget: String, desiredHealthy: Int, currentHealthy: Int)
    /// 500: the real server refuses pods covered by more than one budget.
    case multipleBudgets

    /// - Parameters:
    ///   - pod: the pod to evict.
    ///   - budgets: the PodDisruptionBudgets of the pod's namespace.
    ///   - pods: all pods of the pod's namespace (including `pod`).
    static func decide(pod: JSON, budgets: [JSON], pods: [JSON]) -> EvictionDecision {
        // Pods that are not running yet or any more can always go (the server ignores budgets for them).
        let phase = pod[path: ["status", "phase"]]?.string ?? "Pending"
        if ["Pending", "Succeeded", "Failed"].contains(phase) || pod[path: ["metadata", "deletionTimestamp"]] != nil {
            return .allowed
        }
        let labels = pod[path: ["metadata", "labels"]]?.stringMap ?? [:]
        let matching = budgets.filter { LabelSelector(object: $0[path: ["spec", "selector"]])?.matches(labels) ?? false }
        guard matching.count <= 1 else { return .multipleBudgets }
        guard let budget = matching.first else { return .allowed }
        let status = BudgetStatus(budget: budget, pods: pods)
        if isHealthy(pod) {
            return status.currentHealthy - 1 >= status.desiredHealthy
                ? .allowed : .blocked(budget: status.name, desiredHealthy: status.desiredHealthy, currentHealthy: status.currentHealthy)
        }
        // An unhealthy pod may go while the budget is met (unhealthyPodEvictionPolicy IfHealthyBudget).
        return status.currentHealthy >= status.desiredHealthy
            ? .allowed : .blocked(budget: status.name, desiredHealthy: status.desiredHealthy, currentHealthy: status.currentHealthy)
    }

    /// Running, Ready=True and not being deleted.
    static func isHealthy(_ pod: JSON) -> Bool {
        guard pod[path: ["status", "phase"]]?.string == "Running", pod[path: ["metadata", "deletionTimestamp"]] == nil else { return false }
        let conditions = pod[path: ["status", "conditions"]]?.array ?? []
        return conditions.contains { $0["type"]?.string == "Ready" && $0["status"]?.string == "True" }
    }
}

/// A budget's numbers: expected pods (those it selects), how many are healthy, how many must be.
struct BudgetStatus: Sendable, Equatable {
    var name: String
    var expectedPods: Int
    var currentHealthy: Int
    var desiredHealthy: Int

    var disruptionsAllowed: Int { max(0, currentHealthy - desiredHealthy) }

    init(budget: JSON, pods: [JSON]) {
        name = budget[path: ["metadata", "name"]]?.string ?? ""
        let selector = LabelSelector(object: budget[path: ["spec", "selector"]])
        let selected = pods.filter { selector?.matches($0[path: ["metadata", "labels"]]?.stringMap ?? [:]) ?? false }
        expectedPods = selected.count
        currentHealthy = selected.filter(EvictionDecision.isHealthy).count
        if let minAvailable = budget[path: ["spec", "minAvailable"]] {
            desiredHealthy = BudgetStatus.scaled(minAvailable, of: expectedPods)
        } else if let maxUnavailable = budget[path: ["spec", "maxUnavailable"]] {
            desiredHealthy = max(0, expectedPods - BudgetStatus.scaled(maxUnavailable, of: expectedPods))
        } else {
            desiredHealthy = 0
        }
    }

    /// An int-or-percent value applied to `total`, percentages rounded up (as the disruption controller does).
    static func scaled(_ value: JSON, of total: Int) -> Int {
        if let number = value.int { return number }
        if let text = value.string {
            if text.hasSuffix("%"), let percent = Int(text.dropLast()) {
                return Int((Double(percent) * Double(total) / 100).rounded(.up))
            }
            if let number = Int(text) { return number }
        }
        return 0
    }

    /// The `status` the real disruption controller would publish.
    var json: JSON {
        [
            "currentHealthy": .int(Int64(currentHealthy)), "desiredHealthy": .int(Int64(desiredHealthy)),
            "expectedPods": .int(Int64(expectedPods)), "disruptionsAllowed": .int(Int64(disruptionsAllowed)),
        ]
    }
}
