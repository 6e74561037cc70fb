/// How new nodes are spread over a cluster's hosts (the spec's `placement`).
public enum PlacementStrategy: String, Sendable, Hashable, CaseIterable, Codable {
    /// The default: each node goes to the host with the fewest nodes of the cluster, then the one
    /// with the most memory left; a host's loss takes as few nodes as possible.
    case spread
    /// Each node goes to the host with the least memory left that still fits it, largest nodes
    /// first (first-fit decreasing); whole hosts stay free for other work.
    case binpack
}

/// A node to place: its name, role and ceilings.
public struct NodeDemand: Sendable, Hashable, Codable {
    public var name: String
    public var isControlPlane: Bool
    /// The node's vCPU ceiling (`maxVCPUs`): what it may grow to live.
    public var vcpus: Int
    /// The node's memory ceiling (`maxMemory`), in bytes: what it may grow to live.
    public var memoryBytes: UInt64

    public init(name: String, isControlPlane: Bool = false, vcpus: Int, memoryBytes: UInt64) {
        self.name = name
        self.isControlPlane = isControlPlane
        self.vcpus = vcpus
        self.memoryBytes = memoryBytes
    }
}

/// A node of the cluster that already exists, and its host. Its ceilings are already part of the
/// host's ``HostCapacity/reservedVCPUs`` and ``HostCapacity/reservedMemoryBytes``; it counts for
/// `spread` and for control-plane anti-affinity.
public struct PlacedNode: Sendable, Hashable, Codable {
    public var node: String
    public var host: String
    public var isControlPlane: Bool

    public init(node: String, host: String, isControlPlane: Bool = false) {
        self.node = node
        self.host = host
        self.isControlPlane = isControlPlane
    }
}

/// Which host each new node goes to, from ``Placement/plan(_:hosts:existing:strategy:)``.
public struct PlacementPlan: Sendable, Hashable, Codable {
    public struct Assignment: Sendable, Hashable, Codable {
        public var node: String
        public var host: String

        public init(node: String, host: String) {
            self.node = node
            self.host = host
        }
    }

    /// One per node, in the order they were placed: control-plane nodes first.
    public var assignments: [Assignment]
    /// What the plan had to accept, e.g. a control-plane node sharing a host with another.
    public var notes: [String]

    public init(assignments: [Assignment] = [], notes: [String] = []) {
        self.assignments = assignments
        self.notes = notes
    }

    /// The host `node` goes to, if the plan places it.
    public func host(for node: String) -> String? {
        assignments.first { $0.node == node }?.host
    }
}
