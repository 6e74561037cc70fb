/// One host's figures, read through libvirt, plus the spec's limits for it.
///
/// What kinvm guests *reserve* is their ceilings (`maxVCPUs`, `maxMemory`), not their current
/// sizes: a guest may grow to its ceilings live, so a host is only given a node when every kinvm
/// guest on it could be at its ceilings at once.
public struct HostCapacity: Sendable, Hashable, Codable {
    /// The spec's name for the host (`hosts[].name`).
    public var name: String
    /// The host's CPUs (`virNodeGetInfo`'s `cpus`).
    public var cpus: Int
    /// The host's total memory (`virNodeGetInfo`'s `memory`, in bytes).
    public var memoryBytes: UInt64
    /// The host's free memory, read live (`virNodeGetFreeMemory`).
    public var freeMemoryBytes: UInt64
    /// `hosts[].capacity.vcpus`: at most this many vCPUs for all kinvm guests on the host together;
    /// `nil`: no total (CPU overcommit is normal), only the per-node check against ``cpus``.
    public var limitVCPUs: Int?
    /// `hosts[].capacity.memory`: at most this much memory for all kinvm guests on the host together;
    /// `nil`: the host's total memory (``memoryBytes``).
    public var limitMemoryBytes: UInt64?
    /// The sum of the vCPU ceilings of the kinvm guests defined on the host (of every cluster).
    public var reservedVCPUs: Int
    /// The sum of the memory ceilings of the kinvm guests defined on the host (of every cluster).
    public var reservedMemoryBytes: UInt64
    /// How many kinvm guests are defined on the host.
    public var kinvmGuests: Int

    public init(
        name: String, cpus: Int, memoryBytes: UInt64, freeMemoryBytes: UInt64, limitVCPUs: Int? = nil, limitMemoryBytes: UInt64? = nil,
        reservedVCPUs: Int = 0, reservedMemoryBytes: UInt64 = 0, kinvmGuests: Int = 0
    ) {
        self.name = name
        self.cpus = cpus
        self.memoryBytes = memoryBytes
        self.freeMemoryBytes = freeMemoryBytes
        self.limitVCPUs = limitVCPUs
        self.limitMemoryBytes = limitMemoryBytes
        self.reservedVCPUs = reservedVCPUs
        self.reservedMemoryBytes = reservedMemoryBytes
        self.kinvmGuests = kinvmGuests
    }

    /// The memory kinvm may still give a new node here:
    /// `min((limitMemoryBytes ?? memoryBytes) − reservedMemoryBytes, freeMemoryBytes)`, at least 0.
    ///
    /// The first term keeps every guest's ceiling within the limit; the second keeps a new node
    /// within what the host has free right now (other workloads use memory too).
    public var availableMemoryBytes: UInt64 {
        min((limitMemoryBytes ?? memoryBytes).subtractingFloored(reservedMemoryBytes), freeMemoryBytes)
    }

    /// The vCPUs kinvm may still give new nodes here, `limitVCPUs − reservedVCPUs` (at least 0), or
    /// `nil` when the spec sets no vCPU limit for the host.
    public var availableVCPUs: Int? {
        limitVCPUs.map { max(0, $0 - reservedVCPUs) }
    }

    /// The figures once `demand` is placed here: its ceilings are reserved, and its memory is taken
    /// from the free memory as well (so it counts against both terms of ``availableMemoryBytes``).
    public func reserving(_ demand: NodeDemand) -> HostCapacity {
        var after = self
        after.reservedVCPUs += demand.vcpus
        after.reservedMemoryBytes = reservedMemoryBytes.addingCapped(demand.memoryBytes)
        after.freeMemoryBytes = freeMemoryBytes.subtractingFloored(demand.memoryBytes)
        after.kinvmGuests += 1
        return after
    }
}

/// A host of the spec as kinvm found it: its figures, or why they could not be read.
public enum HostReading: Sendable, Hashable {
    case reachable(HostCapacity)
    /// libvirt could not be reached (or could not report the figures); `reason` says why.
    case unreachable(name: String, reason: String)

    /// The spec's name for the host.
    public var name: String {
        switch self {
        case .reachable(let capacity): capacity.name
        case .unreachable(let name, _): name
        }
    }

    /// The figures, when the host was reachable.
    public var capacity: HostCapacity? {
        if case .reachable(let capacity) = self { capacity } else { nil }
    }
}

extension UInt64 {
    /// `self − other`, or 0 when `other` is larger.
    func subtractingFloored(_ other: UInt64) -> UInt64 { self > other ? self - other : 0 }

    /// `self + other`, or `UInt64.max` when that overflows.
    func addingCapped(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
