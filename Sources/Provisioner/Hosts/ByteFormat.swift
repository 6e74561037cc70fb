/// Byte counts for people, in binary units.
public enum ByteFormat {
    private static let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]

    /// `bytes` in the largest binary unit it reaches, rounded half up to at most one decimal, with
    /// no trailing `.0`: `512 B`, `100 KiB`, `512 MiB`, `1.5 GiB`, `20 GiB`, `1 TiB`. A value that
    /// rounds up to 1024 of a unit is given in the next one (`1023.96 GiB` is `1 TiB`).
    public static func binary(_ bytes: UInt64) -> String {
        var exponent = 0
        while exponent + 1 < units.count, bytes >> (10 * (exponent + 1)) > 0 { exponent += 1 }
        var tenths = tenthsOf(bytes, exponent: exponent)
        if tenths >= 10_240, exponent + 1 < units.count {
            exponent += 1
            tenths = tenthsOf(bytes, exponent: exponent)
        }
        let (whole, fraction) = tenths.quotientAndRemainder(dividingBy: 10)
        return (fraction == 0 ? "\(whole)" : "\(whole).\(fraction)") + " " + units[exponent]
    }

    /// `bytes / 1024^exponent` in tenths, rounded half up (no overflow: the remainder is below 2^60).
    private static func tenthsOf(_ bytes: UInt64, exponent: Int) -> UInt64 {
        let unit: UInt64 = 1 << (10 * exponent)
        let (quotient, remainder) = bytes.quotientAndRemainder(dividingBy: unit)
        return quotient * 10 + (remainder * 10 + unit / 2) / unit
    }
}
