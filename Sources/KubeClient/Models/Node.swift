/// A Node (core/v1), the fields kinvm reads and writes.
public struct Node: Codable, Sendable, Hashable {
    public var apiVersion: String? = "v1"
    public var kind: String? = "Node"
    public var metadata: ObjectMeta
    public var spec: NodeSpec?
    public var status: NodeStatus?

    public init(metadata: ObjectMeta, spec: NodeSpec? = nil, status: NodeStatus? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    /// `metadata.name`, or "" when the server sent none.
    public var name: String { metadata.name ?? "" }

    /// The condition of `type` (e.g. "Ready"), if the kubelet reported it.
    public func condition(_ type: String) -> NodeCondition? {
        status?.conditions?.first { $0.type == type }
    }

    /// The Ready condition is "True".
    public var isReady: Bool { condition("Ready")?.status == "True" }

    /// `spec.unschedulable` (cordoned).
    public var isUnschedulable: Bool { spec?.unschedulable ?? false }

    /// Capacity CPU in millicores (`4` → 4000), if reported.
    public var cpuCapacityMilli: Int64? { status?.capacity?["cpu"]?.milli }

    /// Capacity CPU in whole cores, rounded up, if reported.
    public var cpuCapacityCores: Int64? { status?.capacity?["cpu"]?.value }

    /// Capacity memory in bytes (`8123456Ki` → 8318418944), if reported.
    public var memoryCapacityBytes: Int64? { status?.capacity?["memory"]?.bytes }

    /// Allocatable CPU in millicores, if reported.
    public var cpuAllocatableMilli: Int64? { status?.allocatable?["cpu"]?.milli }

    /// Allocatable memory in bytes, if reported.
    public var memoryAllocatableBytes: Int64? { status?.allocatable?["memory"]?.bytes }

    /// The first address of `type` ("InternalIP", "Hostname", …).
    public func address(_ type: String) -> String? {
        status?.addresses?.first { $0.type == type }?.address
    }
}

public struct NodeSpec: Codable, Sendable, Hashable {
    public var unschedulable: Bool?
    public var taints: [Taint]?
    public var providerID: String?
    public var podCIDR: String?

    public init(unschedulable: Bool? = nil, taints: [Taint]? = nil, providerID: String? = nil) {
        self.unschedulable = unschedulable
        self.taints = taints
        self.providerID = providerID
    }
}

public struct Taint: Codable, Sendable, Hashable {
    public var key: String
    public var value: String?
    /// NoSchedule, PreferNoSchedule or NoExecute.
    public var effect: String
    public var timeAdded: String?

    public init(key: String, value: String? = nil, effect: String) {
        self.key = key
        self.value = value
        self.effect = effect
    }
}

public struct NodeStatus: Codable, Sendable, Hashable {
    public var capacity: [String: Quantity]?
    public var allocatable: [String: Quantity]?
    public var conditions: [NodeCondition]?
    public var addresses: [NodeAddress]?
    public var nodeInfo: NodeSystemInfo?

    public init(
        capacity: [String: Quantity]? = nil, allocatable: [String: Quantity]? = nil, conditions: [NodeCondition]? = nil,
        addresses: [NodeAddress]? = nil, nodeInfo: NodeSystemInfo? = nil
    ) {
        self.capacity = capacity
        self.allocatable = allocatable
        self.conditions = conditions
        self.addresses = addresses
        self.nodeInfo = nodeInfo
    }
}

public struct NodeCondition: Codable, Sendable, Hashable {
    public var type: String
    /// "True", "False" or "Unknown".
    public var status: String
    public var lastHeartbeatTime: String?
    public var lastTransitionTime: String?
    public var reason: String?
    public var message: String?

    public init(type: String, status: String, reason: String? = nil, message: String? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
    }
}

public struct NodeAddress: Codable, Sendable, Hashable {
    public var type: String
    public var address: String

    public init(type: String, address: String) {
        self.type = type
        self.address = address
    }
}

public struct NodeSystemInfo: Codable, Sendable, Hashable {
    public var kubeletVersion: String?
    public var osImage: String?
    public var kernelVersion: String?
    public var machineID: String?
    public var containerRuntimeVersion: String?
    public var architecture: String?
}
