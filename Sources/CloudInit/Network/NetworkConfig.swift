/// The NoCloud `network-config` file, in cloud-init's network config version 2 (a subset of netplan).
///
/// Written without a top-level `network:` key and with `version: 2` as an integer: cloud-init
/// before 22.2 fails on a v2 config wrapped in `network:` (canonical/cloud-init#3815), and every
/// release reads the bare form. Interfaces are matched by MAC address; cloud-init ignores
/// `set-name` unless there is a `match`.
public struct NetworkConfig: Sendable, Hashable {
    /// `ethernets`, written as a mapping in this order.
    public var ethernets: [Ethernet]

    public init(ethernets: [Ethernet]) { self.ethernets = ethernets }

    /// The file's text. Validates first.
    public func yaml() throws(CloudInitError) -> String {
        try validate()
        return try YAMLRendering.render(self, file: "network-config")
    }

    /// One entry of `ethernets`.
    public struct Ethernet: Sendable, Hashable {
        /// The entry's id (the key under `ethernets`); the interface name when there is no match.
        public var id: String
        /// `match.macaddress`, written in lower case.
        public var macAddress: String?
        /// `set-name`: rename the matched interface.
        public var setName: String?
        /// `dhcp4`.
        public var dhcp4: Bool?
        /// `dhcp6`.
        public var dhcp6: Bool?
        /// `addresses`: static addresses with prefix length, e.g. `192.168.122.10/24`, `fd00::10/64`.
        public var addresses: [String]
        /// `gateway4` (deprecated by netplan in favour of routes, still read by cloud-init).
        public var gateway4: String?
        /// `gateway6`.
        public var gateway6: String?
        /// `routes`.
        public var routes: [Route]
        /// `nameservers`.
        public var nameservers: Nameservers?
        /// `mtu`.
        public var mtu: Int?

        public init(
            id: String, macAddress: String? = nil, setName: String? = nil, dhcp4: Bool? = nil, dhcp6: Bool? = nil,
            addresses: [String] = [], gateway4: String? = nil, gateway6: String? = nil, routes: [Route] = [],
            nameservers: Nameservers? = nil, mtu: Int? = nil
        ) {
            self.id = id
            self.macAddress = macAddress
            self.setName = setName
            self.dhcp4 = dhcp4
            self.dhcp6 = dhcp6
            self.addresses = addresses
            self.gateway4 = gateway4
            self.gateway6 = gateway6
            self.routes = routes
            self.nameservers = nameservers
            self.mtu = mtu
        }

        /// The interface with MAC `mac`, named `name`, configured by DHCPv4.
        public static func dhcp(_ name: String, macAddress: String) -> Ethernet {
            Ethernet(id: name, macAddress: macAddress, setName: name, dhcp4: true)
        }

        /// The interface with MAC `mac`, named `name`, with static addresses, a default IPv4 route
        /// through `gateway`, and name servers.
        public static func statically(
            _ name: String, macAddress: String, addresses: [String], gateway: String? = nil,
            nameservers: Nameservers? = nil
        ) -> Ethernet {
            Ethernet(
                id: name, macAddress: macAddress, setName: name, dhcp4: false, addresses: addresses,
                routes: gateway.map { [Route.defaultIPv4(via: $0)] } ?? [], nameservers: nameservers)
        }
    }

    /// An entry of `routes`.
    public struct Route: Sendable, Hashable, Codable {
        /// `to`: a destination with prefix length (`0.0.0.0/0` is the IPv4 default route).
        public var to: String
        /// `via`: the gateway address.
        public var via: String
        /// `metric`.
        public var metric: Int?

        public init(to: String, via: String, metric: Int? = nil) {
            self.to = to
            self.via = via
            self.metric = metric
        }

        /// The IPv4 default route, written `to: 0.0.0.0/0` (older cloud-init does not know `default`).
        public static func defaultIPv4(via gateway: String) -> Route { Route(to: "0.0.0.0/0", via: gateway) }

        /// The IPv6 default route, `to: ::/0`.
        public static func defaultIPv6(via gateway: String) -> Route { Route(to: "::/0", via: gateway) }
    }

    /// `nameservers`.
    public struct Nameservers: Sendable, Hashable, Codable {
        /// `addresses`: name server IPs.
        public var addresses: [String]
        /// `search`: search domains.
        public var search: [String]

        public init(addresses: [String] = [], search: [String] = []) {
            self.addresses = addresses
            self.search = search
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            addresses = try container.decodeIfPresent([String].self, forKey: .addresses) ?? []
            search = try container.decodeIfPresent([String].self, forKey: .search) ?? []
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeUnlessEmpty(addresses, forKey: .addresses)
            try container.encodeUnlessEmpty(search, forKey: .search)
        }

        enum CodingKeys: String, CodingKey { case addresses, search }
    }
}
