/// A host as the planner sees it while placing: its figures (updated with each node placed), the
/// nodes of the cluster it holds, and why it fits a node or not.
struct HostSlot: Sendable, Hashable {
    /// The host's position in the spec, the last tie-breaker.
    let index: Int
    let name: String
    /// The figures, with the nodes placed so far reserved; `nil` when the host is unreachable.
    private(set) var capacity: HostCapacity?
    let unreachableReason: String?
    /// Nodes of this cluster here: those that exist and those placed so far.
    private(set) var clusterNodes = 0
    /// Control-plane nodes of this cluster here, in the order they were counted.
    private(set) var controlPlanes: [String] = []
    /// Nodes the plan placed here (already in ``capacity``'s reservations).
    private(set) var placed = 0

    init(index: Int, reading: HostReading) {
        self.index = index
        self.name = reading.name
        self.capacity = reading.capacity
        if case .unreachable(_, let reason) = reading { unreachableReason = reason } else { unreachableReason = nil }
    }

    /// Counts a node of the cluster that is (or will be) here.
    mutating func count(_ node: String, isControlPlane: Bool) {
        clusterNodes += 1
        if isControlPlane { controlPlanes.append(node) }
    }

    /// Places `demand` here: counts it and reserves its ceilings.
    mutating func place(_ demand: NodeDemand) {
        count(demand.name, isControlPlane: demand.isControlPlane)
        capacity = capacity?.reserving(demand)
        placed += 1
    }

    func fits(_ demand: NodeDemand) -> Bool { capacity != nil && reasons(against: demand).isEmpty }

    /// The memory available here once `demand` is placed (0 when it does not fit).
    func memoryLeft(after demand: NodeDemand) -> UInt64 {
        capacity.map { $0.reserving(demand).availableMemoryBytes } ?? 0
    }

    /// Why `demand` does not fit here, one phrase per reason (empty when it fits).
    func reasons(against demand: NodeDemand) -> [String] {
        guard let host = capacity else { return ["unreachable: \(unreachableReason ?? "no figures")"] }
        var reasons: [String] = []
        if demand.vcpus > host.cpus {
            reasons.append("the node needs \(Wording.count(demand.vcpus, "vCPU")) and the host has \(Wording.count(host.cpus, "CPU"))")
        }
        if let limit = host.limitVCPUs, host.reservedVCPUs + demand.vcpus > limit {
            let left = Wording.count(host.availableVCPUs ?? 0, "vCPU")
            reasons.append("\(left) left of its limit of \(limit) (\(host.reservedVCPUs) reserved)")
        }
        if demand.memoryBytes > host.availableMemoryBytes {
            let ceiling = host.limitMemoryBytes.map { "limit \(ByteFormat.binary($0))" } ?? "total \(ByteFormat.binary(host.memoryBytes))"
            reasons.append(
                "\(ByteFormat.binary(host.availableMemoryBytes)) of memory available (\(ceiling), \(reservedMemory(host)), "
                    + "\(ByteFormat.binary(host.freeMemoryBytes)) free)")
        }
        return reasons
    }

    /// `2.5 GiB reserved by 1 kinvm guest and 2 nodes placed by this plan`, `nothing reserved`.
    private func reservedMemory(_ host: HostCapacity) -> String {
        guard host.reservedMemoryBytes > 0 else { return "nothing reserved" }
        let guests = host.kinvmGuests - placed
        let holders =
            (guests > 0 ? [Wording.count(guests, "kinvm guest")] : [])
            + (placed > 0 ? [Wording.count(placed, "node") + " placed by this plan"] : [])
        let reserved = "\(ByteFormat.binary(host.reservedMemoryBytes)) reserved"
        return holders.isEmpty ? reserved : reserved + " by " + Wording.list(holders)
    }
}
