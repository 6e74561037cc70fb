/// An IPv4 or IPv6 address, parsed strictly from its text form (for network-config validation).
///
/// IPv4 is four decimal octets without leading zeros (`010.0.0.1` is refused: some parsers read it
/// as octal). IPv6 is RFC 4291 text: up to eight groups of 1-4 hex digits, at most one `::`, and an
/// optional dotted IPv4 tail; zone ids (`%eth0`) are refused.
public enum IPAddress: Sendable, Hashable {
    case v4([UInt8])
    case v6([UInt8])

    /// The most a prefix length can be: 32 or 128.
    public var bitCount: Int {
        switch self {
        case .v4: 32
        case .v6: 128
        }
    }

    public init?(_ text: some StringProtocol) {
        if let bytes = Self.parseIPv4(Substring(text)) {
            self = .v4(bytes)
        } else if let bytes = Self.parseIPv6(Substring(text)) {
            self = .v6(bytes)
        } else {
            return nil
        }
    }

    /// An address with a prefix length, `10.0.0.5/24` or `fd00::5/64`; `nil` if either part is invalid.
    public static func parseCIDR(_ text: String) -> (address: IPAddress, prefixLength: Int)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(parts[0]),
            let prefix = decimal(parts[1], max: address.bitCount)
        else { return nil }
        return (address, prefix)
    }

    static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard let value = decimal(part, max: 255) else { return nil }
            bytes.append(UInt8(value))
        }
        return bytes
    }

    /// 1-3 ASCII digits without a leading zero (except `0` itself), at most `max`.
    static func decimal(_ text: Substring, max: Int) -> Int? {
        guard (1...3).contains(text.count), text.allSatisfy({ $0.isASCII && $0.isNumber }),
            text.count == 1 || text.first != "0", let value = Int(text), value <= max
        else { return nil }
        return value
    }

    static func parseIPv6(_ text: Substring) -> [UInt8]? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        guard let head = groups(halves[0], allowIPv4Tail: halves.count == 1) else { return nil }
        if halves.count == 1 {
            return head.count == 16 ? head : nil
        }
        guard let tail = groups(halves[1], allowIPv4Tail: true), head.count + tail.count <= 14 else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }

    /// The bytes of colon-separated hex groups (empty text is no groups).
    private static func groups(_ text: Substring, allowIPv4Tail: Bool) -> [UInt8]? {
        guard !text.isEmpty else { return [] }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var bytes: [UInt8] = []
        for (index, part) in parts.enumerated() {
            if index == parts.count - 1, allowIPv4Tail, part.contains(".") {
                guard let tail = parseIPv4(part) else { return nil }
                bytes += tail
            } else {
                guard (1...4).contains(part.count), part.allSatisfy(\.isHexDigit), part.allSatisfy(\.isASCII),
                    let value = UInt16(part, radix: 16)
                else { return nil }
                bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
        }
        return bytes
    }
}

extension Substring {
    /// Splits on a multi-character separator (no Foundation needed).
    func components(separatedBy separator: String) -> [Substring] {
        var pieces: [Substring] = []
        var rest = self[...]
        while let range = rest.firstRange(of: separator) {
            pieces.append(rest[rest.startIndex..<range.lowerBound])
            rest = rest[range.upperBound...]
        }
        pieces.append(rest)
        return pieces
    }
}
