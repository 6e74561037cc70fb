extension NetworkConfig: Codable {
    enum CodingKeys: String, CodingKey { case version, ethernets }

    /// Reads a bare v2 config, or one wrapped in a top-level `network:` key.
    public init(from decoder: any Decoder) throws {
        let outer = try decoder.container(keyedBy: DynamicKey.self)
        if outer.contains(DynamicKey("network")) {
            self = try outer.decode(NetworkConfig.self, forKey: DynamicKey("network"))
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .version)
        guard version == 2 else {
            throw DecodingError.dataCorruptedError(
                forKey: .version, in: container, debugDescription: "only network config version 2 is supported")
        }
        guard container.contains(.ethernets) else {
            ethernets = []
            return
        }
        let entries = try container.nestedContainer(keyedBy: DynamicKey.self, forKey: .ethernets)
        ethernets = try entries.allKeys.map { key in
            var ethernet = try entries.decode(Ethernet.self, forKey: key)
            ethernet.id = key.stringValue
            return ethernet
        }
    }

    /// `version: 2`, then `ethernets` keyed by id, in order.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(2, forKey: .version)
        guard !ethernets.isEmpty else { return }
        var entries = container.nestedContainer(keyedBy: DynamicKey.self, forKey: .ethernets)
        for ethernet in ethernets {
            try entries.encode(ethernet, forKey: DynamicKey(ethernet.id))
        }
    }
}

extension NetworkConfig.Ethernet: Codable {
    enum CodingKeys: String, CodingKey {
        case match
        case setName = "set-name"
        case dhcp4, dhcp6, addresses, gateway4, gateway6, routes, nameservers, mtu
    }

    enum MatchKeys: String, CodingKey { case macAddress = "macaddress" }

    /// Decodes the entry's fields; the id is the key it was found under (set by the caller).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = decoder.codingPath.last?.stringValue ?? ""
        if container.contains(.match) {
            let match = try container.nestedContainer(keyedBy: MatchKeys.self, forKey: .match)
            macAddress = try match.decodeIfPresent(String.self, forKey: .macAddress)
        }
        setName = try container.decodeIfPresent(String.self, forKey: .setName)
        dhcp4 = try container.decodeIfPresent(Bool.self, forKey: .dhcp4)
        dhcp6 = try container.decodeIfPresent(Bool.self, forKey: .dhcp6)
        addresses = try container.decodeIfPresent([String].self, forKey: .addresses) ?? []
        gateway4 = try container.decodeIfPresent(String.self, forKey: .gateway4)
        gateway6 = try container.decodeIfPresent(String.self, forKey: .gateway6)
        routes = try container.decodeIfPresent([NetworkConfig.Route].self, forKey: .routes) ?? []
        nameservers = try container.decodeIfPresent(NetworkConfig.Nameservers.self, forKey: .nameservers)
        mtu = try container.decodeIfPresent(Int.self, forKey: .mtu)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if let macAddress {
            var match = container.nestedContainer(keyedBy: MatchKeys.self, forKey: .match)
            try match.encode(macAddress.lowercased(), forKey: .macAddress)
        }
        try container.encodeIfPresent(setName, forKey: .setName)
        try container.encodeIfPresent(dhcp4, forKey: .dhcp4)
        try container.encodeIfPresent(dhcp6, forKey: .dhcp6)
        try container.encodeUnlessEmpty(addresses, forKey: .addresses)
        try container.encodeIfPresent(gateway4, forKey: .gateway4)
        try container.encodeIfPresent(gateway6, forKey: .gateway6)
        try container.encodeUnlessEmpty(routes, forKey: .routes)
        if let nameservers, !(nameservers.addresses.isEmpty && nameservers.search.isEmpty) {
            try container.encode(nameservers, forKey: .nameservers)
        }
        try container.encodeIfPresent(mtu, forKey: .mtu)
    }
}
