/// Deterministic random inputs for fuzz tests: a seeded generator (SplitMix64, so a failing case
/// is reproduced by its seed) and the values hostile or careless users give.
public struct FuzzRandom: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The seed and case budget of a fuzz run: `KINVM_FUZZ_SEED` and `KINVM_FUZZ_CASES` when set
    /// (for a longer hunt), else the fixed values CI uses.
    public static func settings(environment: [String: String], cases defaultCases: Int) -> (seed: UInt64, cases: Int) {
        let seed = environment["KINVM_FUZZ_SEED"].flatMap { UInt64($0) } ?? 20_261_207
        let cases = environment["KINVM_FUZZ_CASES"].flatMap { Int($0) }.map { max(1, $0) } ?? defaultCases
        return (seed, cases)
    }
}

public enum FuzzValues {
    /// Values that broke or could break parsers: overflowing and signed numbers, odd units,
    /// empty, huge, control characters, paths that climb, unicode, option-like text.
    public static let hostile: [String] = [
        "", "0", "-1", "1", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551616",
        "99999999999999999999999999", "1e309", "NaN", "inf", "0x10", "1.5", "-0", "+5", "007",
        "999999999999999999d", "1000000000h", "1s", "0s", "-5m", "1y", "2h30m", "10", "1d1d",
        "16TiB", "17TiB", "8EiB", "99999999999PiB", "1KB", "512MiB", "0GiB", "-1GiB", "1.5GiB", "1 GiB", "GiB",
        "none", "agent", "ip", "json", "yaml", "text", "wide", "k3s", "kubeadm",
        "../../etc/passwd", "/etc/shadow", "/dev/zero", "/dev/null", "/nonexistent/file", ".", "..", "/", "~",
        "a", "web-1", "lab", "UPPER", "-lead", "trail-", "a.b", "a_b", "a b", "名前", "\u{202E}evil", "x\ty", "x\ny", "x\r\ny",
        "\u{1B}[31mred", "%s%n", "$(id)", "`id`", "'", "\"", "<x>", "&amp;", "]]>",
        "--", "-", "--help", "-h", "--version", "=", "a=b", "key=value:NoSchedule", "k=v:Bogus",
        "52:54:00:12:34:56", "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "127.0.0.0/8", "10.0.0.0/33", "192.168.150.0/24",
        "pool/volume", "images/base.qcow2", "default/../x", "ssh-ed25519 AAAA", "-----BEGIN OPENSSH PRIVATE KEY-----",
        String(repeating: "a", count: 64), String(repeating: "9", count: 400), String(repeating: "x", count: 100_000),
    ]

    /// A random printable string without ':' or '/' (so it never forms a URL or URI to a real host).
    public static func randomText(_ random: inout FuzzRandom, maxLength: Int = 40) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.=,;@%+*!?#~ \t\u{7F}é中")
        let length = Int.random(in: 0...maxLength, using: &random)
        return String((0..<length).map { _ in alphabet.randomElement(using: &random)! })
    }

    /// A value: mostly from ``hostile``, sometimes random text or a random integer.
    public static func value(_ random: inout FuzzRandom) -> String {
        switch Int.random(in: 0..<10, using: &random) {
        case 0..<6: return hostile.randomElement(using: &random)!
        case 6..<8: return randomText(&random)
        default: return String(Int64.random(in: .min ... .max, using: &random))
        }
    }

    /// `text` mutated a few times: bytes flipped, lines dropped, duplicated or swapped, hostile
    /// values spliced in after a `:`.
    public static func mutate(_ text: String, _ random: inout FuzzRandom) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for _ in 0..<Int.random(in: 1...4, using: &random) where !lines.isEmpty {
            let index = Int.random(in: 0..<lines.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0: lines.remove(at: index)
            case 1: lines.insert(lines[index], at: index)
            case 2: lines.swapAt(index, Int.random(in: 0..<lines.count, using: &random))
            case 3:
                if let colon = lines[index].firstIndex(of: ":") {
                    lines[index] = String(lines[index][...colon]) + " " + value(&random)
                }
            case 4:
                var bytes = Array(lines[index].utf8)
                if !bytes.isEmpty { bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0x20...0x7e, using: &random) }
                lines[index] = String(decoding: bytes, as: UTF8.self)
            default:
                lines.insert("&a [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]", at: index)
            }
        }
        return lines.joined(separator: "\n")
    }
}
