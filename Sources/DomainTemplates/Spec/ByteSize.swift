/// An amount of memory or disk, in bytes, parsed from what people write: `512MiB`, `2GiB`, `2G`,
/// `1.5GiB`, `1073741824`.
///
/// Units follow libvirt's own convention (`virsh setmem`, domain XML `unit=`): `K`, `M`, `G`, `T`
/// and `KiB`, `MiB`, `GiB`, `TiB` are powers of 1024; `KB`, `MB`, `GB`, `TB` are powers of 1000;
/// `B` or no unit means bytes. Units are case-insensitive except that `b` is not accepted as a
/// unit of bits.
public struct ByteSize: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var bytes: UInt64

    public init(bytes: UInt64) { self.bytes = bytes }

    public static func kibibytes(_ value: UInt64) -> ByteSize { ByteSize(bytes: value * 1024) }
    public static func mebibytes(_ value: UInt64) -> ByteSize { ByteSize(bytes: value << 20) }
    public static func gibibytes(_ value: UInt64) -> ByteSize { ByteSize(bytes: value << 30) }

    /// Whole KiB, as libvirt's memory APIs take them (rounded down).
    public var kibibytes: UInt64 { bytes / 1024 }

    /// Why a size string was refused.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var input: String
        public var reason: String
        public var description: String {
            "invalid size '\(input)': \(reason) (examples: 512MiB, 2GiB, 2G, 1073741824)"
        }
    }

    private static let units: [String: UInt64] = [
        "": 1, "b": 1,
        "k": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mib": 1 << 20,
        "g": 1 << 30, "gib": 1 << 30, "t": 1 << 40, "tib": 1 << 40,
        "kb": 1_000, "mb": 1_000_000, "gb": 1_000_000_000, "tb": 1_000_000_000_000,
    ]

    /// Parses a size; refuses unknown units, negative, fractional bytes and overflow.
    public init(parsing text: String) throws(ParseError) {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw ParseError(input: text, reason: "empty") }
        let numberPart = trimmed.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let unitPart = trimmed.dropFirst(numberPart.count).trimmingWhitespace()
        guard !numberPart.isEmpty else {
            throw ParseError(input: text, reason: "it does not start with a number")
        }
        guard let multiplier = Self.units[unitPart.lowercased()] else {
            throw ParseError(input: text, reason: "unknown unit '\(unitPart)'")
        }
        let pieces = numberPart.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count <= 2, let whole = UInt64(pieces[0].isEmpty ? "0" : String(pieces[0])) else {
            throw ParseError(input: text, reason: "'\(numberPart)' is not a number")
        }
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { throw ParseError(input: text, reason: "too large") }
        var total = scaled
        if pieces.count == 2, !pieces[1].isEmpty {
            guard pieces[1].count <= 9, let fraction = UInt64(pieces[1]) else {
                throw ParseError(input: text, reason: "'\(numberPart)' is not a number")
            }
            var denominator: UInt64 = 1
            for _ in 0..<pieces[1].count { denominator *= 10 }
            let (part, fractionOverflow) = fraction.multipliedReportingOverflow(by: multiplier)
            guard !fractionOverflow, part % denominator == 0 else {
                throw ParseError(input: text, reason: "it is not a whole number of bytes")
            }
            total += part / denominator
        }
        bytes = total
    }

    /// The largest binary unit that divides the size exactly, e.g. `2GiB`, `1536MiB`, `100B`.
    public var description: String {
        for (unit, size) in [("TiB", UInt64(1) << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        where bytes >= size && bytes % size == 0 {
            return "\(bytes / size)\(unit)"
        }
        return "\(bytes)B"
    }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(UInt64.self) {
            bytes = number
        } else {
            bytes = try ByteSize(parsing: container.decode(String.self)).bytes
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
