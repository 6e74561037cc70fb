extension NetworkConfig {
    /// Checks ids, MAC addresses, addresses with prefix length, gateways, routes and name servers.
    /// Errors name the field, e.g. `ethernets.eth0.addresses[1]`.
    public func validate() throws(CloudInitError) {
        var seen: Set<String> = []
        for ethernet in ethernets {
            let field = "ethernets.\(ethernet.id)"
            guard seen.insert(ethernet.id).inserted else {
                throw CloudInitError(field: field, value: ethernet.id, reason: "two ethernets have this id")
            }
            try ethernet.validate(field: field)
        }
    }

    /// Six pairs of hex digits separated by ':' (either case), like `52:54:00:12:34:56`.
    public static func isMACAddress(_ text: String) -> Bool {
        let octets = text.split(separator: ":", omittingEmptySubsequences: false)
        return octets.count == 6 && octets.allSatisfy { $0.count == 2 && $0.allSatisfy { $0.isASCII && $0.isHexDigit } }
    }

    /// 1-15 ASCII letters, digits, '-', '_' or '.', as Linux allows in interface names.
    static func checkInterfaceName(_ name: String, field: String) throws(CloudInitError) {
        let allowed = name.utf8.allSatisfy {
            Check.isASCIIAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
        }
        guard (1...15).contains(name.utf8.count), allowed, name != ".", name != ".." else {
            throw CloudInitError(
                field: field, value: name, reason: "not an interface name: use 1-15 letters, digits, '-', '_' or '.'")
        }
    }

    static func checkAddress(_ text: String, family: Int?, field: String) throws(CloudInitError) {
        guard let address = IPAddress(text), family == nil || address.bitCount == family else {
            let kind = family == 32 ? "an IPv4 address" : family == 128 ? "an IPv6 address" : "an IP address"
            throw CloudInitError(field: field, value: text, reason: "not \(kind) (no prefix length here)")
        }
    }

    static func checkCIDR(_ text: String, field: String) throws(CloudInitError) -> IPAddress {
        guard let (address, _) = IPAddress.parseCIDR(text) else {
            throw CloudInitError(
                field: field, value: text, reason: "not an address with prefix length, like 192.168.122.10/24 or fd00::10/64")
        }
        return address
    }
}

extension NetworkConfig.Ethernet {
    func validate(field: String) throws(CloudInitError) {
        try NetworkConfig.checkInterfaceName(id, field: field)
        if let macAddress, !NetworkConfig.isMACAddress(macAddress) {
            throw CloudInitError(field: "\(field).match.macaddress", value: macAddress, reason: "not a MAC address like 52:54:00:12:34:56")
        }
        if let setName {
            try NetworkConfig.checkInterfaceName(setName, field: "\(field).set-name")
            guard macAddress != nil else {
                throw CloudInitError(
                    field: "\(field).set-name", value: setName, reason: "cloud-init ignores set-name without match.macaddress")
            }
        }
        for (index, address) in addresses.enumerated() {
            _ = try NetworkConfig.checkCIDR(address, field: "\(field).addresses[\(index)]")
        }
        if let gateway4 { try NetworkConfig.checkAddress(gateway4, family: 32, field: "\(field).gateway4") }
        if let gateway6 { try NetworkConfig.checkAddress(gateway6, family: 128, field: "\(field).gateway6") }
        for (index, route) in routes.enumerated() {
            let routeField = "\(field).routes[\(index)]"
            let destination = try NetworkConfig.checkCIDR(route.to, field: "\(routeField).to")
            try NetworkConfig.checkAddress(route.via, family: destination.bitCount, field: "\(routeField).via")
            if let metric = route.metric, metric < 0 {
                throw CloudInitError(field: "\(routeField).metric", value: "\(metric)", reason: "must not be negative")
            }
        }
        if let nameservers {
            for (index, address) in nameservers.addresses.enumerated() {
                try NetworkConfig.checkAddress(address, family: nil, field: "\(field).nameservers.addresses[\(index)]")
            }
            for (index, domain) in nameservers.search.enumerated() {
                try Check.hostname(domain, field: "\(field).nameservers.search[\(index)]")
            }
        }
        if let mtu, !(68...65535).contains(mtu) {
            throw CloudInitError(field: "\(field).mtu", value: "\(mtu)", reason: "must be 68-65535")
        }
    }
}
