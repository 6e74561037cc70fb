import Foundation
import Testing

@testable import KubeClient

struct QuantityTests {
    @Test(arguments: [
        ("4", Int64(4), Int64(4000)),
        ("500m", 1, 500),
        ("8123456Ki", 8_318_418_944, 8_318_418_944_000),
        ("2Gi", 2_147_483_648, 2_147_483_648_000),
        ("1e3", 1000, 1_000_000),
        ("1E3", 1000, 1_000_000),
        ("1.5", 2, 1500),
        ("0.1", 1, 100),
        ("1k", 1000, 1_000_000),
        ("1M", 1_000_000, 1_000_000_000),
        ("1E", 1_000_000_000_000_000_000, Int64.max),
        ("250u", 1, 1),
        ("100n", 1, 1),
        ("-2", -2, -2000),
        ("+3", 3, 3000),
        ("1.5Gi", 1_610_612_736, 1_610_612_736_000),
        (".5", 1, 500),
        ("5.", 5, 5000),
        ("12e-3", 1, 12),
        ("0", 0, 0),
    ])
    func parsesValueAndMilli(text: String, value: Int64, milli: Int64) throws {
        let quantity = try Quantity(parsing: text)
        #expect(quantity.value == value)
        #expect(quantity.milli == milli)
    }

    @Test(arguments: [
        ("4", "4"), ("500m", "500m"), ("1000m", "1"), ("1500m", "1500m"), ("0.5", "500m"), ("2Gi", "2Gi"),
        ("1.5Gi", "1536Mi"), ("1024Ki", "1Mi"), ("8123456Ki", "8123456Ki"), ("1000Ki", "1000Ki"), ("1Ki", "1Ki"),
        ("512", "512"), ("1e3", "1e3"), ("1000", "1k"), ("1000000", "1M"), ("1.5e3", "1500"), ("1e-3", "1e-3"),
        ("0.0000000001", "1n"), ("100n", "100n"), ("-1.5", "-1500m"), ("0", "0"), ("0Gi", "0"), ("12e-2", "120e-3"),
        ("2000k", "2M"), ("1E", "1E"),
    ])
    func canonicalForm(text: String, canonical: String) throws {
        #expect(try Quantity(parsing: text).description == canonical)
    }

    @Test(arguments: ["", "Ki", "1KiB", "1 Ki", " 1", "1.2.3", "1e", "1e+", "1ee3", "--1", "1i", "abc", "1m5", "0x10", "1e1000"])
    func rejectsInvalidText(text: String) {
        #expect(throws: Quantity.ParseError.self) { try Quantity(parsing: text) }
    }

    @Test func equalityIsByValue() throws {
        #expect(try Quantity(parsing: "1Ki") == Quantity(parsing: "1024"))
        #expect(try Quantity(parsing: "1000m") == Quantity(parsing: "1"))
        #expect(try Quantity(parsing: "1e3") == Quantity(parsing: "1k"))
        #expect(try Quantity(parsing: "1Ki") != Quantity(parsing: "1k"))
        #expect(Set([Quantity("1Ki"), Quantity("1024"), Quantity("1k")]).count == 2)
    }

    @Test func constructorsPickTheirSuffixFamily() {
        #expect(Quantity(bytes: 2 << 30).description == "2Gi")
        #expect(Quantity(bytes: 1000).description == "1k")
        #expect(Quantity(milli: 1500).description == "1500m")
        #expect(Quantity(milli: 2000).description == "2")
    }

    @Test func codableAcceptsStringsAndNumbersAndWritesCanonicalStrings() throws {
        let decoded = try JSONDecoder().decode([String: Quantity].self, from: Data(#"{"a":"1.5Gi","b":4,"c":0.5}"#.utf8))
        #expect(decoded["a"]?.bytes == 1_610_612_736)
        #expect(decoded["b"]?.milli == 4000)
        #expect(decoded["c"]?.milli == 500)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(String(decoding: try encoder.encode(decoded), as: UTF8.self) == #"{"a":"1536Mi","b":"4","c":"500m"}"#)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Quantity].self, from: Data(#"["2 Gi"]"#.utf8)) }
    }

    @Test func roundTripsThroughItsCanonicalForm() throws {
        for text in ["3", "250m", "7Ti", "123456789Ki", "5e6", "1.25", "999n"] {
            let quantity = try Quantity(parsing: text)
            #expect(try Quantity(parsing: quantity.description) == quantity, "\(text) -> \(quantity)")
        }
    }
}
