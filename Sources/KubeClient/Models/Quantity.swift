/// A Kubernetes resource quantity (`4`, `500m`, `8123456Ki`, `2Gi`, `1e3`), held exactly.
///
/// The value is `significand × 10^exponent` (normalized: the significand has no trailing zeros), so
/// `1000m`, `1` and `1e0` are equal. ``description`` is the canonical form the API server uses: the
/// suffix family of the parsed text (binary, decimal SI or exponent) and the largest suffix that keeps
/// the number whole, e.g. `1.5Gi` → `1536Mi`, `0.5` → `500m`, `1000m` → `1`. Precision below a nano
/// unit is rounded up, as the API server does.
public struct Quantity: Sendable, Hashable, CustomStringConvertible {
    /// How ``description`` writes the value.
    public enum Format: Sendable, Hashable {
        /// `Ki`, `Mi`, `Gi`, `Ti`, `Pi`, `Ei` (values below 1024 or with a fraction fall back to decimal SI).
        case binarySI
        /// `n`, `u`, `m`, none, `k`, `M`, `G`, `T`, `P`, `E`.
        case decimalSI
        /// `e<n>` with `n` a multiple of 3.
        case decimalExponent
    }

    public let significand: Int128
    public let exponent: Int
    public let format: Format

    /// `significand × 10^exponent`, written in `format`.
    public init(significand: Int128, exponent: Int = 0, format: Format = .decimalSI) {
        var significand = significand
        var exponent = exponent
        // Below nano: round up (away from zero), like the API server.
        if exponent < -9 {
            let divisor = Self.powerOfTen(-9 - exponent) ?? Int128.max
            let (quotient, remainder) = significand.quotientAndRemainder(dividingBy: divisor)
            significand = quotient + (remainder > 0 ? 1 : remainder < 0 ? -1 : 0)
            exponent = -9
        }
        if significand == 0 {
            exponent = 0
        } else {
            while significand % 10 == 0 {
                significand /= 10
                exponent += 1
            }
        }
        self.significand = significand
        self.exponent = exponent
        self.format = format
    }

    /// A byte count, written with binary suffixes (`Quantity(bytes: 2 << 30)` is `2Gi`).
    public init(bytes: Int64) {
        self.init(significand: Int128(bytes), format: .binarySI)
    }

    /// Thousandths of a unit, written with decimal suffixes (`Quantity(milli: 1500)` is `1500m`).
    public init(milli: Int64) {
        self.init(significand: Int128(milli), exponent: -3, format: .decimalSI)
    }

    /// Hashable and equality by value: the format does not matter (`1Ki` == `1024`).
    public static func == (lhs: Quantity, rhs: Quantity) -> Bool {
        lhs.significand == rhs.significand && lhs.exponent == rhs.exponent
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(significand)
        hasher.combine(exponent)
    }

    /// The value in whole units, rounded up (the API server's `Value()`): bytes for memory and storage.
    /// Saturates at `Int64.min`/`Int64.max`.
    public var value: Int64 { scaledRoundingUp(by: 0) }

    /// The value in bytes: ``value`` under the name callers use for memory.
    public var bytes: Int64 { value }

    /// The value in thousandths of a unit, rounded up (the API server's `MilliValue()`): millicores for CPU.
    public var milli: Int64 { scaledRoundingUp(by: 3) }

    /// The value as a Double (e.g. CPU cores), for display.
    public var doubleValue: Double {
        var result = Double(significand)
        if exponent >= 0 {
            for _ in 0..<exponent { result *= 10 }
        } else {
            for _ in 0..<(-exponent) { result /= 10 }
        }
        return result
    }

    /// ceil(value × 10^shift) as Int64, saturating.
    private func scaledRoundingUp(by shift: Int) -> Int64 {
        let power = exponent + shift
        var result: Int128
        if power >= 0 {
            guard let factor = Self.powerOfTen(power) else { return significand < 0 ? .min : .max }
            let (product, overflow) = significand.multipliedReportingOverflow(by: factor)
            if overflow { return significand < 0 ? .min : .max }
            result = product
        } else {
            guard let divisor = Self.powerOfTen(-power) else { return significand > 0 ? 1 : 0 }
            let (quotient, remainder) = significand.quotientAndRemainder(dividingBy: divisor)
            result = quotient + (remainder > 0 ? 1 : 0)
        }
        if result > Int128(Int64.max) { return .max }
        if result < Int128(Int64.min) { return .min }
        return Int64(result)
    }

    static func powerOfTen(_ n: Int) -> Int128? {
        guard n >= 0, n <= 38 else { return nil }
        var result: Int128 = 1
        for _ in 0..<n { result *= 10 }
        return result
    }
}
