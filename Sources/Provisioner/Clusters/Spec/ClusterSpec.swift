import DomainTemplates

/// A whole cluster as one declarative document (`apiVersion: kinvm.dev/v1alpha1`, `kind: Cluster`):
/// the network, the control plane, the node pools and how Kubernetes gets onto them.
///
/// Read one with ``parse(_:file:baseDirectory:)`` (every problem named by field path and line) and
/// write it back with ``yaml()``, a self-contained canonical form (defaults spelled out, key files
/// folded into ``sshKeys``, paths absolute) that parses to an equal value. The field-by-field
/// reference is docs/cluster-spec.md.
public struct ClusterSpec: Sendable, Hashable {
    public static let apiVersion = "kinvm.dev/v1alpha1"
    public static let kind = "Cluster"
    /// Longest cluster name: node names (`NAME-POOL-N`) are derived from it and must stay DNS labels.
    public static let maxNameLength = 20

    /// `metadata.name`: a DNS label of at most ``maxNameLength`` characters.
    public var name: String
    /// The libvirt URI of a one-host cluster; nil means kinvm's default (the CLI's `-c`).
    /// Exclusive with ``hosts``.
    public var connection: String?
    /// The hosts the nodes are placed on; empty: the one host of ``connection``.
    public var hosts: [ClusterHost]
    /// How new nodes are placed over ``hosts``.
    public var placement: PlacementStrategy
    public var virtType: DomainSpec.VirtType
    public var kubernetes: Kubernetes
    /// The base image volume every node's root disk is an overlay of.
    public var image: VolumeRef
    /// The image (and boot files) on this machine, sent to every host that lacks them; nil: the
    /// hosts already hold ``image`` (and ``boot``'s files are paths there).
    public var imageSource: ImageSource?
    /// Where the overlays and seeds go (the image's pool unless the spec says otherwise).
    public var storagePool: String
    /// Direct kernel boot, for images without a boot loader.
    public var boot: DirectBoot?
    public var network: Network
    /// The control plane; its ``NodeGroup/name`` is always ``NodeGroup/controlPlaneName``.
    public var controlPlane: NodeGroup
    public var pools: [NodeGroup]
    /// SSH public keys for every node: the inline ones, then those of each key file.
    public var sshKeys: [String]
    /// Seconds after creation when `kinvm gc` deletes the cluster; nil: never.
    public var ttl: Int?

    public init(
        name: String, connection: String? = nil, hosts: [ClusterHost] = [], placement: PlacementStrategy = .spread, virtType: DomainSpec.VirtType = .kvm, kubernetes: Kubernetes,
        image: VolumeRef, imageSource: ImageSource? = nil, storagePool: String? = nil, boot: DirectBoot? = nil, network: Network,
        controlPlane: NodeGroup, pools: [NodeGroup] = [], sshKeys: [String] = [], ttl: Int? = nil
    ) {
        self.name = name
        self.connection = connection
        self.hosts = hosts
        self.placement = placement
        self.virtType = virtType
        self.kubernetes = kubernetes
        self.image = image
        self.imageSource = imageSource
        self.storagePool = storagePool ?? image.pool
        self.boot = boot
        self.network = network
        self.controlPlane = controlPlane
        self.pools = pools
        self.sshKeys = sshKeys
        self.ttl = ttl
    }

    /// Which Kubernetes, and how it reaches the nodes.
    public struct Kubernetes: Sendable, Hashable {
        public enum Distribution: String, Sendable, Hashable, CaseIterable {
            case k3s, kubeadm
        }

        public var distribution: Distribution
        /// k3s: `INSTALL_K3S_VERSION`; kubeadm: the version the image carries. nil: whatever the
        /// installer or image provides.
        public var version: String?
        /// k3s only: the binary and images tarballs carried to every node (absolute paths).
        public var airgap: K3sAirgap?
        /// The pod network installed when the control plane is made.
        public var cni: CNI

        public init(distribution: Distribution, version: String? = nil, airgap: K3sAirgap? = nil, cni: CNI = .distributionDefault) {
            self.distribution = distribution
            self.version = version
            self.airgap = airgap
            self.cni = cni
        }

        /// `spec.kubernetes.cni`: the pod network (CNI) kinvm installs when it makes the control
        /// plane. Later changes to it change nothing in a running cluster.
        public enum CNI: Sendable, Hashable, CustomStringConvertible {
            /// `default`: the distribution's own. k3s: its embedded flannel; kubeadm: flannel's
            /// release manifest (``ControlPlaneSpec/flannelManifest``, pod network 10.244.0.0/16).
            case distributionDefault
            /// `none`: kinvm installs no pod network, the user brings one; k3s runs with
            /// `flannel-backend: none`. The Nodes stay NotReady until it is installed.
            case userProvided
            /// An `http(s)://` manifest URL, applied in the control-plane guest once the API server
            /// is up (k3s: with `flannel-backend: none`).
            case url(String)
            /// A manifest file on the machine running kinvm (an absolute path), read when the
            /// control plane is made, written into the guest and applied there (k3s: with
            /// `flannel-backend: none`).
            case file(String)

            /// The spec's text for it: `default`, `none`, the URL or the path.
            public var description: String {
                switch self {
                case .distributionDefault: "default"
                case .userProvided: "none"
                case .url(let url): url
                case .file(let path): path
                }
            }
        }
    }

    /// The libvirt network the nodes share.
    public struct Network: Sendable, Hashable {
        public enum Mode: String, Sendable, Hashable, CaseIterable {
            /// Outbound NAT to the host's networks.
            case nat
            /// No forwarding: nodes reach each other and the host only.
            case isolated
            /// Every node's NIC joins an existing bridge on its host (``bridge``); the hosts'
            /// bridges share one layer-2 segment, and kinvm gives each node a static address
            /// from ``addresses`` through cloud-init. The mode for clusters over several hosts.
            case bridged
        }

        public var mode: Mode
        public var cidr: IPv4Network
        /// The libvirt network's name (`kinvm-NAME` unless the spec says otherwise). In bridged
        /// mode it is a `<forward mode='bridge'/>` network on every host, naming ``bridge``.
        public var name: String
        /// Bridged: the bridge every host has (`br0`).
        public var bridge: String?
        /// Bridged: the addresses kinvm hands out (inside ``cidr``); nil: from `.10` to the last.
        public var addresses: ClosedRange<IPv4Address>?
        /// Bridged: the nodes' default gateway; nil: none (the segment only).
        public var gateway: IPv4Address?
        /// Bridged: the nodes' DNS servers.
        public var dns: [IPv4Address]

        public init(
            mode: Mode, cidr: IPv4Network, name: String, bridge: String? = nil, addresses: ClosedRange<IPv4Address>? = nil,
            gateway: IPv4Address? = nil, dns: [IPv4Address] = []
        ) {
            self.mode = mode
            self.cidr = cidr
            self.name = name
            self.bridge = bridge
            self.addresses = addresses
            self.gateway = gateway
            self.dns = dns
        }

        /// The addresses nodes get: ``addresses`` in bridged mode, else `.10` up to the last host address.
        public var nodeAddresses: ClosedRange<UInt32> {
            addresses.map { $0.lowerBound.value...$0.upperBound.value } ?? cidr.nodeAddresses
        }

        /// The default network name of a cluster.
        public static func defaultName(cluster: String) -> String { "kinvm-\(cluster)" }
    }
}

/// Nodes of one shape: the control plane or a pool.
public struct NodeGroup: Sendable, Hashable {
    /// The name of the control plane's group (also the `pool` in its nodes' kinvm metadata).
    public static let controlPlaneName = "control-plane"
    /// What stands for the control plane in node names (`NAME-cp-N`).
    public static let controlPlaneNodeInfix = "cp"
    public static let defaultTemplate = "k8s-node"

    public var name: String
    public var count: Int
    public var vcpus: Int
    /// Ceiling for live vCPU changes; nil: ``vcpus``.
    public var maxVCPUs: Int?
    public var memory: ByteSize
    /// Ceiling for live memory changes; nil: ``memory``.
    public var maxMemory: ByteSize?
    /// Root disk size; nil: the image's size.
    public var disk: ByteSize?
    /// The domain template (a name on the template search path, or a path).
    public var template: String
    public var labels: [NodeLabel]
    public var taints: [NodeTaint]

    public init(
        name: String, count: Int, vcpus: Int, maxVCPUs: Int? = nil, memory: ByteSize, maxMemory: ByteSize? = nil,
        disk: ByteSize? = nil, template: String = NodeGroup.defaultTemplate, labels: [NodeLabel] = [],
        taints: [NodeTaint] = []
    ) {
        self.name = name
        self.count = count
        self.vcpus = vcpus
        self.maxVCPUs = maxVCPUs
        self.memory = memory
        self.maxMemory = maxMemory
        self.disk = disk
        self.template = template
        self.labels = labels
        self.taints = taints
    }

    public var isControlPlane: Bool { name == Self.controlPlaneName }
    public var effectiveMaxVCPUs: Int { maxVCPUs ?? vcpus }
    public var effectiveMaxMemory: ByteSize { maxMemory ?? memory }
    /// The part of node names that stands for the group: `cp` or the pool's name.
    public var nodeInfix: String { isControlPlane ? Self.controlPlaneNodeInfix : name }
}

extension ClusterSpec {
    /// The control plane first, then the pools in spec order.
    public var groups: [NodeGroup] { [controlPlane] + pools }

    /// The group of that name (``NodeGroup/controlPlaneName`` is the control plane).
    public func group(named name: String) -> NodeGroup? {
        groups.first { $0.name == name }
    }

    /// `NAME-cp-N` for the control plane, `NAME-POOL-N` for a pool; `ordinal` counts from 1.
    public func nodeName(group: NodeGroup, ordinal: Int) -> String {
        Self.nodeName(cluster: name, groupInfix: group.nodeInfix, ordinal: ordinal)
    }

    /// The node names of a group at its current count: ordinals 1…count.
    public func nodeNames(group: NodeGroup) -> [String] {
        group.count < 1 ? [] : (1...group.count).map { nodeName(group: group, ordinal: $0) }
    }

    static func nodeName(cluster: String, groupInfix: String, ordinal: Int) -> String {
        "\(cluster)-\(groupInfix)-\(ordinal)"
    }

    /// The group name and ordinal of a node name of this spec's groups; nil for any other name.
    public func parseNodeName(_ node: String) -> (group: String, ordinal: Int)? {
        guard let parsed = Self.parseNodeName(node, cluster: name), group(named: parsed.group) != nil else { return nil }
        return parsed
    }

    /// The group name (``NodeGroup/controlPlaneName`` for `cp`) and ordinal of any node name of
    /// the cluster `cluster`, whether or not the group is still in a spec (nodes of a removed pool).
    public static func parseNodeName(_ node: String, cluster: String) -> (group: String, ordinal: Int)? {
        let prefix = cluster + "-"
        guard node.hasPrefix(prefix), let dash = node.lastIndex(of: "-") else { return nil }
        let infixStart = node.index(node.startIndex, offsetBy: prefix.count)
        guard infixStart < dash else { return nil }
        let infix = String(node[infixStart..<dash])
        let digits = node[node.index(after: dash)...]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.first != "0",
            digits.count <= 9, let ordinal = Int(digits), SpecNames.dnsLabelProblem(infix) == nil
        else { return nil }
        return (infix == NodeGroup.controlPlaneNodeInfix ? NodeGroup.controlPlaneName : infix, ordinal)
    }

    /// The spec with pool `pool` at `count` nodes (`kinvm cluster scale NAME --pool workers=5`).
    /// The control plane cannot be scaled this way.
    public func scaled(pool: String, count: Int) throws(ClusterSpecError) -> ClusterSpec {
        func failure(_ path: String, _ message: String) -> ClusterSpecError {
            ClusterSpecError([ClusterSpecError.Issue(path: path, message: message)])
        }
        if pool == NodeGroup.controlPlaneName || pool == NodeGroup.controlPlaneNodeInfix {
            throw failure(
                "spec.controlPlane.count",
                "the control plane count cannot be changed by scaling; only one control-plane node is supported for now")
        }
        guard let index = pools.firstIndex(where: { $0.name == pool }) else {
            let names = pools.map(\.name)
            let hint = FieldSuggestion.closest(to: pool, in: names).map { "; did you mean \"\($0)\"?" } ?? ""
            let known = names.isEmpty ? "the cluster has no pools" : "its pools: \(names.joined(separator: ", "))"
            throw failure("spec.pools", "cluster \(name) has no pool named \(ClusterSpecError.quote(pool)) (\(known))\(hint)")
        }
        let path = "spec.pools[\(index)].count"
        guard count >= 0 else { throw failure(path, "\(count) is negative; a pool has 0 or more nodes") }
        var copy = self
        copy.pools[index].count = count
        if let problem = copy.nodeNameProblem(group: copy.pools[index]) {
            throw failure(path, problem)
        }
        return copy
    }

    /// Why the longest node name of `group` would not be a DNS label, or nil. The longest name is
    /// the one with the highest ordinal (at least 1, so an empty pool can still grow by one).
    func nodeNameProblem(group: NodeGroup) -> String? {
        nodeName(group: group, ordinal: max(group.count, 1)).nodeNameLengthProblem
    }
}
