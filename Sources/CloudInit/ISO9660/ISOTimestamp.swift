import Foundation

/// A UTC date and time as ISO 9660 records it: 7 bytes in directory records (9.1.5) and 17
/// ASCII digits in volume descriptors (8.4.26.1). All times are written in UTC (offset 0).
struct ISOTimestamp: Sendable, Hashable {
    var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    /// The civil UTC date of `date`, clamped to what 7-byte records hold (1900-2155).
    init(_ date: Date) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = Int((Double(seconds) / 86_400).rounded(.down))
        let secondOfDay = seconds - days * 86_400
        (year, month, day) = Self.civil(fromDays: days)
        hour = secondOfDay / 3600
        minute = secondOfDay / 60 % 60
        second = secondOfDay % 60
        if year < 1900 { (year, month, day, hour, minute, second) = (1900, 1, 1, 0, 0, 0) }
        if year > 2155 { (year, month, day, hour, minute, second) = (2155, 12, 31, 23, 59, 59) }
    }

    /// Days since 1970-01-01 to a proleptic Gregorian (year, month, day).
    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// 9.1.5: years since 1900, month, day, hour, minute, second, offset from GMT in 15 minutes.
    var recordBytes: [UInt8] {
        [UInt8(year - 1900), UInt8(month), UInt8(day), UInt8(hour), UInt8(minute), UInt8(second), 0]
    }

    /// 8.4.26.1: `YYYYMMDDHHMMSScc` as ASCII digits, then the offset byte.
    var descriptorBytes: [UInt8] {
        let fields = [(year, 4), (month, 2), (day, 2), (hour, 2), (minute, 2), (second, 2), (0, 2)]
        let digits = fields.map { value, width in
            let text = String(value)
            return String(repeating: "0", count: Swift.max(0, width - text.count)) + text
        }
        return Array(digits.joined().utf8) + [0]
    }

    /// "Not specified": sixteen '0' digits and a zero offset.
    static let unspecifiedDescriptorBytes: [UInt8] = Array(repeating: UInt8(ascii: "0"), count: 16) + [0]
}
