/// Durations as a spec or a command line writes them (`ttl: 8h`, `--timeout 90s`): whole numbers
/// with units `d`, `h`, `m`, `s`, largest first, each at most once (`90m`, `8h`, `2d`, `1h30m`,
/// `1d12h`); at most ``maximumSeconds``. The one parser of durations in kinvm.
public enum SpecDuration {
    private static let units: [(suffix: Character, seconds: Int)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]

    /// The longest duration accepted: 100 years (no wait or TTL needs more, and every later sum
    /// with a date or a clock stays far from overflowing).
    public static let maximumSeconds = 100 * 365 * 86_400

    /// Seconds, or why the text is not a duration. `plainSeconds` also accepts a bare number of
    /// seconds (`600`, as command-line options do); `allowZero` accepts `0s` / `0`.
    public static func parse(_ text: String, plainSeconds: Bool = false, allowZero: Bool = false) -> Result<Int, DurationError> {
        func failure(_ reason: String) -> Result<Int, DurationError> {
            .failure(DurationError("\(ClusterSpecError.quote(text)) is not a duration: \(reason) (examples: 90m, 8h, 2d, 1h30m)"))
        }
        guard !text.isEmpty else { return failure("it is empty") }
        guard text.utf8.count <= 40 else { return failure("it is too long") }
        let text = plainSeconds && text.allSatisfy({ $0.isASCII && $0.isNumber }) ? text + "s" : text
        var total = 0
        var digits = ""
        var nextUnit = 0
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            guard let position = units.firstIndex(where: { $0.suffix == character }) else {
                return failure("unknown unit '\(character)'; units are d, h, m and s")
            }
            guard !digits.isEmpty else { return failure("'\(character)' has no number before it") }
            guard position >= nextUnit else { return failure("units must go from largest to smallest, each once") }
            guard digits.count <= 9, let value = Int(digits) else { return failure("\(digits) is too large") }
            let (product, overflow) = value.multipliedReportingOverflow(by: units[position].seconds)
            let (sum, overflowSum) = total.addingReportingOverflow(product)
            guard !overflow, !overflowSum, sum <= maximumSeconds else { return failure("it is longer than 100 years") }
            total = sum
            digits = ""
            nextUnit = position + 1
        }
        guard digits.isEmpty else { return failure("\(digits) has no unit") }
        guard total > 0 || allowZero else { return failure("it must be longer than zero") }
        return .success(total)
    }

    /// The canonical text: `1h30m`, `2d`, `45s`; parses back to `seconds` (which must be > 0).
    public static func format(_ seconds: Int) -> String {
        var remaining = seconds
        var text = ""
        for unit in units where remaining >= unit.seconds {
            text += "\(remaining / unit.seconds)\(unit.suffix)"
            remaining %= unit.seconds
        }
        return text.isEmpty ? "0s" : text
    }

    public struct DurationError: Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        init(_ message: String) { self.message = message }
        public var description: String { message }
    }
}
