/// Chooses a host for each new node of a multi-host cluster from the hosts' live figures (no I/O).
///
/// ## When a node fits a host
/// - The host is reachable: an unreachable host is never chosen (it is listed when a node is refused).
/// - The node's vCPUs are at most the host's CPUs.
/// - When the spec sets `capacity.vcpus` for the host: the vCPUs kinvm guests reserve there, plus
///   those of the nodes this plan has placed there, plus the node's, are at most that limit.
///   Without it there is no total (CPU overcommit is normal).
/// - The node's memory is at most the memory available there,
///   `min((capacity.memory ?? host memory) − reserved memory, free memory)` (at least 0). Each node
///   the plan places on the host takes its memory from both terms.
///
/// A node's vCPUs and memory are its ceilings (`maxVCPUs`, `maxMemory`), which it may grow to live;
/// a host's reservations are the ceilings of the kinvm guests defined on it.
///
/// ## Order
/// Control-plane nodes are placed first, in the order given; then the others: in the order given
/// for `spread`, and for `binpack` largest first (by memory, then vCPUs, then name: first-fit
/// decreasing).
///
/// ## Choice
/// - `spread`: among the hosts the node fits, the one with the fewest nodes of this cluster (those
///   that exist and those placed so far); on a tie, the one with the most memory available once
///   the node is placed; on a tie, the first in the spec.
/// - `binpack`: among the hosts the node fits, the one with the least memory available once the
///   node is placed; on a tie, the first in the spec.
///
/// ## Control-plane anti-affinity
/// With either strategy, a control-plane node only goes to a host that already holds a
/// control-plane node of this cluster when no host it fits lacks one; the plan then carries a note,
/// e.g. `control-plane node demo-cp-3 shares host h1 with demo-cp-1: every host with room for it
/// already holds a control-plane node`.
///
/// ## Refusal
/// When a node fits no host, nothing is placed and a ``PlacementError`` says, per host, why the node
/// does not fit (see ``PlacementError``).
public enum Placement {
    /// A host for each of `demands`.
    ///
    /// - Parameters:
    ///   - demands: the nodes to create, with their ceilings; names are unique.
    ///   - hosts: every host of the spec, in spec order (names are unique; the spec checks that).
    ///   - existing: the nodes of this cluster that already exist, and their hosts.
    ///   - strategy: the spec's `placement`.
    /// - Throws: ``PlacementError`` when a node fits no host, is listed twice, or already exists.
    public static func plan(
        _ demands: [NodeDemand], hosts: [HostReading], existing: [PlacedNode] = [], strategy: PlacementStrategy = .spread
    ) throws(PlacementError) -> PlacementPlan {
        try check(demands, existing: existing)
        var slots = hosts.enumerated().map { HostSlot(index: $0.offset, reading: $0.element) }
        var plan = PlacementPlan()
        for node in existing {
            guard let index = slots.firstIndex(where: { $0.name == node.host }) else {
                plan.notes.append("existing node \(node.node) is on host \(node.host), which is not among the spec's hosts")
                continue
            }
            slots[index].count(node.node, isControlPlane: node.isControlPlane)
        }
        for demand in order(demands, strategy) {
            let fitting = slots.filter { $0.fits(demand) }
            guard !fitting.isEmpty else { throw PlacementError.noHost(for: demand, hosts: slots) }
            let apart = demand.isControlPlane ? fitting.filter(\.controlPlanes.isEmpty) : []
            let candidates = apart.isEmpty ? fitting : apart
            let chosen = candidates.min { prefers($0, over: $1, for: demand, strategy) }!
            if demand.isControlPlane, !chosen.controlPlanes.isEmpty {
                plan.notes.append(
                    "control-plane node \(demand.name) shares host \(chosen.name) with \(Wording.list(chosen.controlPlanes)): "
                        + "every host with room for it already holds a control-plane node")
            }
            slots[chosen.index].place(demand)
            plan.assignments.append(.init(node: demand.name, host: chosen.name))
        }
        return plan
    }

    /// ``plan(_:hosts:existing:strategy:)`` with the reachable and unreachable hosts in two lists;
    /// a refusal lists the unreachable hosts after the reachable ones, each list in its order.
    public static func plan(
        _ demands: [NodeDemand], hosts: [HostCapacity], unreachable: [(host: String, reason: String)], existing: [PlacedNode] = [],
        strategy: PlacementStrategy = .spread
    ) throws(PlacementError) -> PlacementPlan {
        let readings = hosts.map(HostReading.reachable) + unreachable.map { HostReading.unreachable(name: $0.host, reason: $0.reason) }
        return try plan(demands, hosts: readings, existing: existing, strategy: strategy)
    }

    /// The hosts' figures once `plan` is carried out (for `--dry-run`'s "after" columns): each
    /// assigned node's ceilings are reserved on its host (``HostCapacity/reserving(_:)``).
    /// Assignments whose node is not in `demands` or whose host is not in `hosts` are skipped.
    public static func capacitiesAfter(_ plan: PlacementPlan, demands: [NodeDemand], hosts: [HostCapacity]) -> [HostCapacity] {
        var after = hosts
        for assignment in plan.assignments {
            guard let demand = demands.first(where: { $0.name == assignment.node }),
                let index = after.firstIndex(where: { $0.name == assignment.host })
            else { continue }
            after[index] = after[index].reserving(demand)
        }
        return after
    }

    /// Control-plane nodes in the given order, then the others in the strategy's order.
    static func order(_ demands: [NodeDemand], _ strategy: PlacementStrategy) -> [NodeDemand] {
        let controlPlane = demands.filter(\.isControlPlane)
        let others = demands.filter { !$0.isControlPlane }
        switch strategy {
        case .spread:
            return controlPlane + others
        case .binpack:
            return controlPlane
                + others.sorted { a, b in
                    if a.memoryBytes != b.memoryBytes { return a.memoryBytes > b.memoryBytes }
                    if a.vcpus != b.vcpus { return a.vcpus > b.vcpus }
                    return a.name < b.name
                }
        }
    }

    /// Whether `a` is a better host than `b` for `demand` (both fit it).
    static func prefers(_ a: HostSlot, over b: HostSlot, for demand: NodeDemand, _ strategy: PlacementStrategy) -> Bool {
        let (leftA, leftB) = (a.memoryLeft(after: demand), b.memoryLeft(after: demand))
        switch strategy {
        case .spread:
            if a.clusterNodes != b.clusterNodes { return a.clusterNodes < b.clusterNodes }
            if leftA != leftB { return leftA > leftB }
        case .binpack:
            if leftA != leftB { return leftA < leftB }
        }
        return a.index < b.index
    }

    /// Refuses a demand listed twice or one that already exists.
    static func check(_ demands: [NodeDemand], existing: [PlacedNode]) throws(PlacementError) {
        var seen: Set<String> = []
        for demand in demands {
            guard seen.insert(demand.name).inserted else {
                throw PlacementError(node: demand.name, message: "node \(demand.name) is listed twice among the nodes to place")
            }
            if let placed = existing.first(where: { $0.node == demand.name }) {
                throw PlacementError(node: demand.name, message: "node \(demand.name) already exists, on host \(placed.host)")
            }
        }
    }
}
