import DomainTemplates

/// A node's vCPUs and memory with their ceilings.
public struct NodeSizes: Sendable, Hashable, Codable, CustomStringConvertible {
    public var vcpus: Int
    public var maxVCPUs: Int
    public var memory: ByteSize
    public var maxMemory: ByteSize

    public init(vcpus: Int, maxVCPUs: Int? = nil, memory: ByteSize, maxMemory: ByteSize? = nil) {
        self.vcpus = vcpus
        self.maxVCPUs = max(maxVCPUs ?? vcpus, vcpus)
        self.memory = memory
        self.maxMemory = max(maxMemory ?? memory, memory)
    }

    /// `2 vCPUs (max 4), 2GiB (max 4GiB)`; ceilings only when above the size.
    public var description: String {
        "\(vcpus) vCPU\(vcpus == 1 ? "" : "s")" + (maxVCPUs > vcpus ? " (max \(maxVCPUs))" : "") + ", \(memory)"
            + (maxMemory > memory ? " (max \(maxMemory))" : "")
    }
}

/// One node as the spec wants it.
public struct DesiredNode: Sendable, Hashable {
    public var name: String
    /// The node pool (`control-plane` for the control plane).
    public var group: String
    /// N in `CLUSTER-POOL-N`.
    public var ordinal: Int
    public var controlPlane: Bool
    public var sizes: NodeSizes
    public var template: String
    public var disk: ByteSize?
    public var labels: [NodeLabel]
    public var taints: [NodeTaint]

    public init(
        name: String, group: String, ordinal: Int, controlPlane: Bool = false, sizes: NodeSizes, template: String = "k8s-node",
        disk: ByteSize? = nil, labels: [NodeLabel] = [], taints: [NodeTaint] = []
    ) {
        self.name = name
        self.group = group
        self.ordinal = ordinal
        self.controlPlane = controlPlane
        self.sizes = sizes
        self.template = template
        self.disk = disk
        self.labels = labels
        self.taints = taints
    }
}

/// One node of the cluster as libvirt and the API hold it: a kinvm guest whose metadata names
/// the cluster, and the Node of the same name (if any).
public struct ObservedNode: Sendable, Hashable {
    public var name: String
    /// The node pool from the guest's metadata.
    public var group: String
    public var controlPlane: Bool
    public var running: Bool
    /// The guest's persistent sizes (what it has after its next start, and now when running).
    public var sizes: NodeSizes
    /// The guest runs under TCG (vCPUs are added by restart there; see ``ResizePlan``).
    public var tcg: Bool
    public var template: String?
    /// The Node object; nil when the API has none.
    public var node: NodeObject?

    /// What of the Node the plan looks at.
    public struct NodeObject: Sendable, Hashable {
        public var ready: Bool
        public var labels: [String: String]
        public var taints: [NodeTaint]
        /// Cordoned by kinvm (``NodeManager/Annotation/cordoned``), e.g. by a resize that was
        /// interrupted; a Node someone else cordoned is not.
        public var cordonedByKinvm: Bool

        public init(ready: Bool, labels: [String: String] = [:], taints: [NodeTaint] = [], cordonedByKinvm: Bool = false) {
            self.ready = ready
            self.labels = labels
            self.taints = taints
            self.cordonedByKinvm = cordonedByKinvm
        }
    }

    public init(
        name: String, group: String, controlPlane: Bool = false, running: Bool = true, sizes: NodeSizes, tcg: Bool = false,
        template: String? = nil, node: NodeObject? = nil
    ) {
        self.name = name
        self.group = group
        self.controlPlane = controlPlane
        self.running = running
        self.sizes = sizes
        self.tcg = tcg
        self.template = template
        self.node = node
    }
}
