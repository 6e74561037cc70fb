extension Quantity {
    /// Why a text is not a quantity.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var text: String
        public var reason: String
        public var description: String { "quantity \"\(text)\" is not valid: \(reason)" }
    }

    private static let binarySuffixes: [(String, Int)] = [("Ki", 10), ("Mi", 20), ("Gi", 30), ("Ti", 40), ("Pi", 50), ("Ei", 60)]
    private static let decimalSuffixes: [Character: Int] = ["n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18]

    /// Parses the API's quantity syntax: `<signed number><suffix>`, where the number has optional
    /// fraction digits and the suffix is binary (`Ki`…`Ei`), decimal SI (`n`, `u`, `m`, `k`, `M`, `G`,
    /// `T`, `P`, `E`) or an exponent (`e3`, `E-2`).
    public init(parsing text: String) throws(ParseError) {
        func fail(_ reason: String) -> ParseError { ParseError(text: text, reason: reason) }
        var rest = Substring(text)
        var negative = false
        if let sign = rest.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            rest = rest.dropFirst()
        }
        let integerDigits = rest.prefix(while: \.isASCIIDigit)
        rest = rest.dropFirst(integerDigits.count)
        var fractionDigits = Substring("")
        if rest.first == "." {
            rest = rest.dropFirst()
            fractionDigits = rest.prefix(while: \.isASCIIDigit)
            rest = rest.dropFirst(fractionDigits.count)
        }
        guard !integerDigits.isEmpty || !fractionDigits.isEmpty else { throw fail("it has no number") }
        let digits = (integerDigits + fractionDigits).drop(while: { $0 == "0" })
        guard digits.count <= 30 else { throw fail("it has more than 30 significant digits") }
        var significand: Int128 = 0
        for digit in digits { significand = significand * 10 + Int128(digit.asciiValue! - 48) }
        var exponent = -fractionDigits.count
        var format = Format.decimalSI

        let suffix = String(rest)
        if suffix.isEmpty {
            // plain number
        } else if let (_, power) = Self.binarySuffixes.first(where: { $0.0 == suffix }) {
            format = .binarySI
            let (product, overflow) = significand.multipliedReportingOverflow(by: Int128(1) << power)
            guard !overflow else { throw fail("it is too large") }
            significand = product
        } else if suffix.count == 1, let power = Self.decimalSuffixes[suffix.first!] {
            exponent += power
        } else if let marker = suffix.first, marker == "e" || marker == "E" {
            var exponentText = suffix.dropFirst()
            var exponentNegative = false
            if let sign = exponentText.first, sign == "+" || sign == "-" {
                exponentNegative = sign == "-"
                exponentText = exponentText.dropFirst()
            }
            guard !exponentText.isEmpty, exponentText.allSatisfy(\.isASCIIDigit), exponentText.count <= 3,
                let value = Int(exponentText)
            else { throw fail("the suffix \"\(suffix)\" is not a valid exponent") }
            format = .decimalExponent
            exponent += exponentNegative ? -value : value
        } else {
            throw fail("unknown suffix \"\(suffix)\"")
        }
        guard exponent <= 30 else { throw fail("it is too large") }
        self.init(significand: negative ? -significand : significand, exponent: exponent, format: format)
    }
}

extension Quantity {
    public var description: String {
        if format == .binarySI, let text = binaryDescription() { return text }
        return decimalDescription(exponentStyle: format == .decimalExponent)
    }

    /// Whole values of at least 1024: the largest binary suffix that divides them.
    private func binaryDescription() -> String? {
        guard exponent >= 0, let factor = Self.powerOfTen(exponent) else { return nil }
        let (whole, overflow) = significand.multipliedReportingOverflow(by: factor)
        guard !overflow, whole.magnitude >= 1024 else { return nil }
        var number = whole
        var index = 0
        let suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
        while index < suffixes.count - 1, number % 1024 == 0 {
            number /= 1024
            index += 1
        }
        return "\(number)\(suffixes[index])"
    }

    /// The exponent rounded down to a multiple of 3 (from -9 to 18), and the whole number it leaves.
    private func decimalDescription(exponentStyle: Bool) -> String {
        if significand == 0 { return "0" }
        var power = exponent >= 0 ? (exponent / 3) * 3 : -((-exponent + 2) / 3) * 3
        power = min(max(power, -9), 18)
        let number = significand * (Self.powerOfTen(exponent - power) ?? 1)
        if exponentStyle {
            return power == 0 ? "\(number)" : "\(number)e\(power)"
        }
        let suffix: String =
            switch power {
            case -9: "n"
            case -6: "u"
            case -3: "m"
            case 3: "k"
            case 6: "M"
            case 9: "G"
            case 12: "T"
            case 15: "P"
            case 18: "E"
            default: ""
            }
        return "\(number)\(suffix)"
    }
}

extension Quantity: Codable {
    /// Decodes a JSON string in quantity syntax, or a JSON number.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text: String
        if let string = try? container.decode(String.self) {
            text = string
        } else if let integer = try? container.decode(Int64.self) {
            text = String(integer)
        } else {
            text = String(try container.decode(Double.self))
        }
        do {
            self = try Quantity(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Quantity: ExpressibleByStringLiteral {
    /// A literal that must parse (`"2Gi"`); a bad literal is a programming error.
    public init(stringLiteral value: String) {
        do {
            self = try Quantity(parsing: value)
        } catch {
            preconditionFailure(error.description)
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
