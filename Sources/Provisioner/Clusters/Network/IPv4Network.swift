import CloudInit

/// An IPv4 address as a 32-bit value, for address arithmetic in cluster networks.
public struct IPv4Address: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }

    /// Strict dotted-quad text (no leading zeros); nil otherwise.
    public init?(_ text: some StringProtocol) {
        guard case .v4(let bytes)? = IPAddress(text) else { return nil }
        value = bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    public var description: String {
        [24, 16, 8, 0].map { String(value >> UInt32($0) & 0xff) }.joined(separator: ".")
    }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = IPv4Address(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an IPv4 address: \(text)"))
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// An IPv4 network in CIDR form (`192.168.150.0/24`), as a cluster network uses it: the first
/// host address is the host's side (gateway, DNS, DHCP server), node reservations start at the
/// 10th address, and the broadcast address is never handed out.
public struct IPv4Network: Sendable, Hashable, CustomStringConvertible, Codable {
    /// The network address (host bits zero).
    public var address: IPv4Address
    public var prefixLength: Int

    /// Smallest and largest prefix a cluster network may have (16: 65,534 hosts; 28: 14 hosts,
    /// 5 of them for nodes: .10 to .14).
    public static let prefixRange = 16...28
    /// Offset of the first address handed to a node.
    public static let firstNodeOffset: UInt32 = 10

    /// `a.b.c.d/len` with the host bits zero and the prefix in ``prefixRange``; the error says
    /// which rule the text breaks.
    public init(cidr text: String) throws(IPv4NetworkError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw IPv4NetworkError("\"\(text)\" is not in CIDR form (like 192.168.150.0/24)") }
        guard let address = IPv4Address(parts[0]) else {
            throw IPv4NetworkError("\"\(parts[0])\" is not an IPv4 address (four decimal octets, no leading zeros)")
        }
        guard parts[1].allSatisfy(\.isASCII), let prefix = Int(parts[1]), (0...32).contains(prefix), String(prefix) == parts[1] else {
            throw IPv4NetworkError("\"\(parts[1])\" is not a prefix length (0 to 32)")
        }
        guard Self.prefixRange.contains(prefix) else {
            throw IPv4NetworkError(
                "/\(prefix) is outside /\(Self.prefixRange.lowerBound)…/\(Self.prefixRange.upperBound), the sizes kinvm uses for a cluster network")
        }
        let mask = Self.mask(prefix)
        guard address.value & ~mask == 0 else {
            throw IPv4NetworkError(
                "\(address)/\(prefix) has host bits set; the network is \(IPv4Address(address.value & mask))/\(prefix)")
        }
        self.address = address
        self.prefixLength = prefix
    }

    /// The network of any size (prefix 0…32, not only ``prefixRange``) that holds `address`: the
    /// host bits are cleared. This is how other networks' `<ip>` elements are read, whatever their
    /// size; only a cluster network's own CIDR goes through ``init(cidr:)``'s rules.
    public init(containing address: IPv4Address, prefixLength: Int) {
        precondition((0...32).contains(prefixLength), "prefix length \(prefixLength) is not 0…32")
        self.address = IPv4Address(address.value & Self.mask(prefixLength))
        self.prefixLength = prefixLength
    }

    /// The prefix length a netmask stands for (`255.255.255.0` → 24); nil when its one bits are not
    /// contiguous from the top.
    public static func prefixLength(ofNetmask netmask: IPv4Address) -> Int? {
        let ones = (~netmask.value).leadingZeroBitCount
        return mask(ones) == netmask.value ? ones : nil
    }

    static func mask(_ prefix: Int) -> UInt32 { prefix == 0 ? 0 : UInt32.max << UInt32(32 - prefix) }

    public var netmask: IPv4Address { IPv4Address(Self.mask(prefixLength)) }
    public var broadcast: IPv4Address { IPv4Address(address.value | ~Self.mask(prefixLength)) }
    /// The host's address on the network: the first host address (`.1` of a /24).
    public var gateway: IPv4Address { IPv4Address(address.value + 1) }
    /// The addresses kinvm hands to nodes, in order.
    public var nodeAddresses: ClosedRange<UInt32> { (address.value + Self.firstNodeOffset)...(broadcast.value - 1) }
    /// How many nodes fit.
    public var nodeCapacity: Int { nodeAddresses.count }

    public func contains(_ other: IPv4Address) -> Bool { other.value & Self.mask(prefixLength) == address.value }

    /// Whether the two networks share any address.
    public func overlaps(_ other: IPv4Network) -> Bool {
        let shorter = min(prefixLength, other.prefixLength)
        return address.value & Self.mask(shorter) == other.address.value & Self.mask(shorter)
    }

    public var description: String { "\(address)/\(prefixLength)" }

    /// Ranges no cluster network may overlap (RFC 6890): libvirt would take the host's own
    /// loopback or link-local addresses, or a multicast or reserved block, for the network.
    static let specialPurpose: [(network: IPv4Network, use: String)] = [
        (IPv4Network(containing: IPv4Address(0x0000_0000), prefixLength: 8), "\"this network\" (0.0.0.0/8)"),
        (IPv4Network(containing: IPv4Address(0x7f00_0000), prefixLength: 8), "loopback (127.0.0.0/8)"),
        (IPv4Network(containing: IPv4Address(0xa9fe_0000), prefixLength: 16), "link-local (169.254.0.0/16)"),
        (IPv4Network(containing: IPv4Address(0xe000_0000), prefixLength: 4), "multicast (224.0.0.0/4)"),
        (IPv4Network(containing: IPv4Address(0xf000_0000), prefixLength: 4), "reserved (240.0.0.0/4)"),
    ]

    /// Why this network cannot be a cluster network (it overlaps a special-purpose range), or nil.
    public var specialPurposeProblem: String? {
        Self.specialPurpose.first { overlaps($0.network) }.map { "\(self) is in the \($0.use) range; use a private range such as 192.168.150.0/24" }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(cidr: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Why a text is not a usable cluster network.
public struct IPv4NetworkError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
