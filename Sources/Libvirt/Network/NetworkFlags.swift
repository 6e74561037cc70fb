import CLibvirt

// Flag sets of the network API, as OptionSets whose members name the C constants they stand for.

extension Network {
    /// Flags for ``Connection/defineNetwork(xml:flags:)`` (`virNetworkDefineFlags`).
    public struct DefineFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_NETWORK_DEFINE_VALIDATE`: validate the XML against libvirt's schema.
        public static let validate = DefineFlags(rawValue: VIR_NETWORK_DEFINE_VALIDATE.rawValue)
    }

    /// Flags for ``Connection/createTransientNetwork(xml:flags:)`` (`virNetworkCreateFlags`).
    public struct CreateFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_NETWORK_CREATE_VALIDATE`: validate the XML against libvirt's schema.
        public static let validate = CreateFlags(rawValue: VIR_NETWORK_CREATE_VALIDATE.rawValue)
    }

    /// Flags for ``Network/xml(flags:)`` (`virNetworkXMLFlags`).
    public struct XMLFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_NETWORK_XML_INACTIVE`: the persistent definition rather than the live one.
        public static let inactive = XMLFlags(rawValue: VIR_NETWORK_XML_INACTIVE.rawValue)
    }

    /// Whether ``Network/update(command:section:xml:parentIndex:flags:)`` changes the running
    /// network, its persistent definition, or both (`virNetworkUpdateFlags`). Empty means `.current`.
    public struct Impact: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_NETWORK_UPDATE_AFFECT_CURRENT`: the live network if running, else the definition.
        public static let current: Impact = []
        /// `VIR_NETWORK_UPDATE_AFFECT_LIVE`: the running network.
        public static let live = Impact(rawValue: VIR_NETWORK_UPDATE_AFFECT_LIVE.rawValue)
        /// `VIR_NETWORK_UPDATE_AFFECT_CONFIG`: the persistent definition.
        public static let config = Impact(rawValue: VIR_NETWORK_UPDATE_AFFECT_CONFIG.rawValue)
    }
}

extension Connection {
    /// Filters for ``Connection/allNetworks(_:)`` (`virConnectListAllNetworksFlags`). Empty lists
    /// all; within each pair (active/inactive, persistent/transient, autostart/noAutostart) giving
    /// neither or both means "don't filter".
    public struct NetworkListFilter: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_CONNECT_LIST_NETWORKS_ACTIVE`.
        public static let active = NetworkListFilter(rawValue: VIR_CONNECT_LIST_NETWORKS_ACTIVE.rawValue)
        /// `VIR_CONNECT_LIST_NETWORKS_INACTIVE`.
        public static let inactive = NetworkListFilter(rawValue: VIR_CONNECT_LIST_NETWORKS_INACTIVE.rawValue)
        /// `VIR_CONNECT_LIST_NETWORKS_PERSISTENT`.
        public static let persistent = NetworkListFilter(rawValue: VIR_CONNECT_LIST_NETWORKS_PERSISTENT.rawValue)
        /// `VIR_CONNECT_LIST_NETWORKS_TRANSIENT`.
        public static let transient = NetworkListFilter(rawValue: VIR_CONNECT_LIST_NETWORKS_TRANSIENT.rawValue)
        /// `VIR_CONNECT_LIST_NETWORKS_AUTOSTART`.
        public static let autostart = NetworkListFilter(rawValue: VIR_CONNECT_LIST_NETWORKS_AUTOSTART.rawValue)
        /// `VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART`.
        public static let noAutostart = NetworkListFilter(rawValue: VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART.rawValue)
    }
}
