import DomainTemplates

/// A guest as `kinvm vm list|get` shows it: what libvirt reports, plus kinvm's metadata.
public struct GuestInfo: Sendable, Hashable, Codable {
    public var name: String
    public var uuid: String
    /// libvirt's state: running, shut off, paused, …
    public var state: String
    /// Created by kinvm (carries kinvm's metadata).
    public var owned: Bool
    /// `kvm` or `qemu`.
    public var virtType: String
    /// vCPUs now (the live count when running, the configured count otherwise).
    public var vcpus: Int
    /// The vCPU ceiling for hot-plug.
    public var maxVCPUs: Int
    /// Memory now, in bytes (the balloon's size when running).
    public var memoryBytes: UInt64
    /// The memory ceiling, in bytes.
    public var maxMemoryBytes: UInt64
    public var cluster: String?
    public var role: String?
    /// The Kubernetes node pool.
    public var nodePool: String?
    /// RFC 3339 creation time.
    public var created: String?
    public var ttlSeconds: Int?
    /// The base image, `pool/volume`.
    public var image: String?
    public var template: String?
    /// Disks as `pool/volume` (root first), then the seed.
    public var disks: [String]
    /// Volumes kinvm deletes with the guest, `pool/volume`.
    public var managedVolumes: [String]
    public var nics: [NIC]
    public var consoleLog: String?
    /// Addresses, when asked for (`get`, `list -o wide`); nil when not looked up.
    public var addresses: [GuestAddress]?
    /// For Kubernetes nodes: `kubeadm` or `k3s`.
    public var join: String?
    /// For Kubernetes nodes: the API server of the cluster the node joined.
    public var apiServer: String?
    /// The host the guest lives on, when listed over several hosts (``HostFleet``).
    public var host: String?

    public struct NIC: Sendable, Hashable, Codable {
        /// `network` or `user`.
        public var type: String
        /// The libvirt network (nil for user-mode).
        public var network: String?
        public var mac: String?
        public var model: String

        public init(type: String, network: String?, mac: String?, model: String) {
            self.type = type
            self.network = network
            self.mac = mac
            self.model = model
        }
    }

    public init(
        name: String, uuid: String, state: String, owned: Bool, virtType: String, vcpus: Int, maxVCPUs: Int,
        memoryBytes: UInt64, maxMemoryBytes: UInt64, cluster: String? = nil, role: String? = nil, nodePool: String? = nil,
        created: String? = nil, ttlSeconds: Int? = nil, image: String? = nil, template: String? = nil,
        disks: [String] = [], managedVolumes: [String] = [], nics: [NIC] = [], consoleLog: String? = nil,
        addresses: [GuestAddress]? = nil, join: String? = nil, apiServer: String? = nil
    ) {
        self.name = name
        self.uuid = uuid
        self.state = state
        self.owned = owned
        self.virtType = virtType
        self.vcpus = vcpus
        self.maxVCPUs = maxVCPUs
        self.memoryBytes = memoryBytes
        self.maxMemoryBytes = maxMemoryBytes
        self.cluster = cluster
        self.role = role
        self.nodePool = nodePool
        self.created = created
        self.ttlSeconds = ttlSeconds
        self.image = image
        self.template = template
        self.disks = disks
        self.managedVolumes = managedVolumes
        self.nics = nics
        self.consoleLog = consoleLog
        self.addresses = addresses
        self.join = join
        self.apiServer = apiServer
    }
}

/// One IP address of a guest, and where kinvm learnt it.
public struct GuestAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Source: String, Sendable, Hashable, Codable {
        /// The QEMU guest agent (`guest-network-get-interfaces`).
        case agent
        /// A DHCP lease of a libvirt network.
        case lease
        /// The host's ARP table.
        case arp
    }

    /// The guest's interface name (agent), or the host-side device (lease).
    public var interface: String
    public var mac: String?
    /// `ipv4` or `ipv6`.
    public var family: String
    public var address: String
    public var prefix: UInt32
    public var source: Source

    public init(interface: String, mac: String?, family: String, address: String, prefix: UInt32, source: Source) {
        self.interface = interface
        self.mac = mac
        self.family = family
        self.address = address
        self.prefix = prefix
        self.source = source
    }

    public var description: String { address }
}
