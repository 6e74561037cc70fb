/// kinvm's own record on a domain, kept in the domain's `<metadata>` under kinvm's XML namespace:
///
///     <kinvm:instance xmlns:kinvm="https://kinvm.dev/xmlns/kinvm/1" owner="kinvm" cluster="lab"
///                     role="worker" pool="workers" created="2026-11-29T05:00:00Z" ttl="3600"
///                     image="default/debian-12.qcow2" template="k8s-node" join="kubeadm"
///                     api-server="https://192.168.150.10:6443">
///       <kinvm:volume pool="default" name="web-1-root.qcow2"/>
///       <kinvm:volume pool="default" name="web-1-seed.iso"/>
///     </kinvm:instance>
///
/// The owner marker is how destructive commands recognise objects kinvm created; the volumes
/// are the ones kinvm created for the guest, deleted with it (libvirt volumes cannot carry
/// metadata of their own, so the domain records them).
public struct KinvmMetadata: Sendable, Hashable, Codable {
    /// The namespace of kinvm's metadata elements.
    public static let namespace = "https://kinvm.dev/xmlns/kinvm/1"
    /// The prefix kinvm writes them with.
    public static let prefix = "kinvm"
    /// The element's local name.
    public static let elementName = "instance"
    /// The child element naming a volume kinvm created for the guest.
    public static let volumeElementName = "volume"
    /// The owner marker every kinvm object carries.
    public static let owner = "kinvm"

    public var cluster: String?
    public var role: String?
    public var pool: String?
    /// Creation time, RFC 3339 in UTC (e.g. `2026-11-29T05:00:00Z`).
    public var created: String?
    /// Seconds after creation when `kinvm gc` may delete the object; nil means never.
    public var ttlSeconds: Int?
    /// The base image the root disk is an overlay of.
    public var image: VolumeRef?
    /// The template the domain was rendered from.
    public var template: String?
    /// Volumes kinvm created for this guest (root overlay, seed, …), deleted with it.
    public var volumes: [VolumeRef]
    /// For Kubernetes nodes: how the guest joined (`kubeadm` or `k3s`).
    public var join: String?
    /// For Kubernetes nodes: the API server (as in the kubeconfig) of the cluster the node joined.
    public var apiServer: String?
    /// The console log file kinvm chose for the guest at create; the only one it deletes with it.
    public var consoleLog: String?

    public init(
        cluster: String? = nil, role: String? = nil, pool: String? = nil, created: String? = nil, ttlSeconds: Int? = nil,
        image: VolumeRef? = nil, template: String? = nil, volumes: [VolumeRef] = [], join: String? = nil,
        apiServer: String? = nil, consoleLog: String? = nil
    ) {
        self.cluster = cluster
        self.role = role
        self.pool = pool
        self.created = created
        self.ttlSeconds = ttlSeconds
        self.image = image
        self.template = template
        self.volumes = volumes
        self.join = join
        self.apiServer = apiServer
        self.consoleLog = consoleLog
    }

    /// The element's attributes, in the order kinvm writes them; absent values are left out.
    var attributes: [(String, String)] {
        [
            ("owner", Self.owner), ("cluster", cluster), ("role", role), ("pool", pool), ("created", created),
            ("ttl", ttlSeconds.map(String.init)), ("image", image?.description), ("template", template),
            ("join", join), ("api-server", apiServer), ("console-log", consoleLog),
        ].compactMap { key, value in value.map { (key, $0) } }
    }
}
