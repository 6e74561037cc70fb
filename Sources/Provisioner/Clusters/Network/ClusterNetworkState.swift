import Foundation

/// How a cluster network reaches the outside.
public enum ClusterNetworkMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// `<forward mode='nat'/>`: guests reach the host's networks through NAT.
    case nat
    /// No `<forward>`: guests reach each other and the host only.
    case isolated
    /// `<forward mode='bridge'/>` on an existing host bridge: guests join the host's layer-2
    /// segment; no DHCP (kinvm writes each node's address into its cloud-init network-config, and
    /// keeps the assignments in the record's `<kinvm:address>` elements).
    case bridged
}

/// kinvm's record on a cluster network, in its `<metadata>`:
///
///     <kinvm:cluster xmlns:kinvm="https://kinvm.dev/xmlns/kinvm/1" owner="kinvm" name="lab"
///                    created="2026-11-29T05:00:00Z" ttl="28800">
///       <kinvm:spec>apiVersion: kinvm.dev/v1alpha1 …</kinvm:spec>
///     </kinvm:cluster>
public struct ClusterNetworkMetadata: Sendable, Hashable, Codable {
    /// The element's local name (namespace and prefix are ``KinvmMetadata``'s).
    public static let elementName = "cluster"
    /// The child holding the spec's YAML as text.
    public static let specElementName = "spec"

    /// The cluster's name (`metadata.name` of the spec).
    public var cluster: String
    /// Creation time, RFC 3339 in UTC (e.g. `2026-11-29T05:00:00Z`).
    public var created: String
    /// Seconds after creation when `kinvm gc` may delete the cluster; nil means never.
    public var ttlSeconds: Int?
    /// The spec the cluster was created or last applied with, as YAML text.
    public var spec: String
    /// Counts the changes of the record. A cluster over several hosts keeps one record per host;
    /// the one with the highest generation is the latest (a host that was down missed changes).
    public var generation: Int
    /// Bridged networks: the address kinvm gave each node (no DHCP holds them).
    public var addresses: [DHCPReservation]
    /// The host each node was placed on (a spec's `hosts[].name`).
    public var placements: [String: String]
    /// Hosts a `cluster delete` could not reach yet; not empty: the cluster is being deleted, and
    /// `cluster delete` or `kinvm gc` finishes the job once they answer.
    public var pendingDelete: [String]

    public init(
        cluster: String, created: String, ttlSeconds: Int? = nil, spec: String, generation: Int = 1, addresses: [DHCPReservation] = [],
        placements: [String: String] = [:], pendingDelete: [String] = []
    ) {
        self.cluster = cluster
        self.created = created
        self.ttlSeconds = ttlSeconds
        self.spec = spec
        self.generation = generation
        self.addresses = addresses
        self.placements = placements
        self.pendingDelete = pendingDelete
    }

    /// `2026-11-29T05:00:00Z`: a time in the form ``created`` takes.
    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}

/// What a cluster network should be: everything ``ClusterNetwork/ensure(_:)`` defines.
public struct ClusterNetworkDefinition: Sendable, Hashable {
    /// The libvirt network's name (`spec.network.name`, default `kinvm-CLUSTER`).
    public var name: String
    public var cidr: IPv4Network
    public var mode: ClusterNetworkMode
    public var metadata: ClusterNetworkMetadata
    /// The host bridge's name; nil lets libvirt pick one (`virbrN`).
    public var bridge: String?
    /// Reservations to define the network with (``ClusterNetwork/reserve(_:)`` adds more later).
    public var reservations: [DHCPReservation]

    public init(
        name: String, cidr: IPv4Network, mode: ClusterNetworkMode, metadata: ClusterNetworkMetadata,
        bridge: String? = nil, reservations: [DHCPReservation] = []
    ) {
        self.name = name
        self.cidr = cidr
        self.mode = mode
        self.metadata = metadata
        self.bridge = bridge
        self.reservations = reservations
    }
}

/// A libvirt network as kinvm sees it: read from its XML (``ClusterNetworkXML/read(_:)``), plus the
/// run state the I/O layer adds.
public struct ClusterNetworkState: Sendable, Hashable {
    public var name: String
    public var uuid: String?
    /// kinvm's record; nil when the network is not kinvm's (no `kinvm:cluster` with `owner="kinvm"`).
    public var metadata: ClusterNetworkMetadata?
    /// The network of the first IPv4 `<ip>`; nil when it has none.
    public var cidr: IPv4Network?
    /// The host's address on it (the `<ip address>`).
    public var hostAddress: IPv4Address?
    /// `<forward mode>`; nil when there is no `<forward>` (an isolated network). A `<forward>`
    /// without a mode is libvirt's default, `nat`.
    public var forwardMode: String?
    /// `<bridge name>`; libvirt fills it in when the network is defined.
    public var bridge: String?
    /// The `<host>` entries of the IPv4 `<dhcp>` that have a MAC, a name and an address, in order.
    public var reservations: [DHCPReservation]
    public var isActive = false
    public var isPersistent = false
    public var autostart = false

    public init(
        name: String, uuid: String? = nil, metadata: ClusterNetworkMetadata? = nil, cidr: IPv4Network? = nil,
        hostAddress: IPv4Address? = nil, forwardMode: String? = nil, bridge: String? = nil,
        reservations: [DHCPReservation] = []
    ) {
        self.name = name
        self.uuid = uuid
        self.metadata = metadata
        self.cidr = cidr
        self.hostAddress = hostAddress
        self.forwardMode = forwardMode
        self.bridge = bridge
        self.reservations = reservations
    }

    /// The mode as kinvm names it; nil for other forward modes (route, open, bridge, …).
    public var mode: ClusterNetworkMode? {
        switch forwardMode {
        case nil: .isolated
        case "nat": .nat
        case "bridge": .bridged
        default: nil
        }
    }

    /// The cluster it belongs to, when it is kinvm's.
    public var cluster: String? { metadata?.cluster }

    /// The reservation of a node, if it has one.
    public func reservation(for node: String) -> DHCPReservation? {
        reservations.first { $0.node == node }
    }
}
