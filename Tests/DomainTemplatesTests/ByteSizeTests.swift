import DomainTemplates
import Testing

@Suite("ByteSize")
struct ByteSizeTests {
    static let accepted: [(String, UInt64)] = [
        ("512MiB", 536_870_912), ("2GiB", 2_147_483_648), ("2G", 2_147_483_648), ("2g", 2_147_483_648),
        ("1073741824", 1_073_741_824), ("4096KiB", 4_194_304), ("1.5GiB", 1_610_612_736), ("1GB", 1_000_000_000),
        ("100B", 100), ("1TiB", 1_099_511_627_776), (" 64 MiB ", 67_108_864), ("0.5KiB", 512),
    ]

    @Test("accepts what people and libvirt write", arguments: accepted)
    func parses(text: String, bytes: UInt64) throws {
        #expect(try ByteSize(parsing: text).bytes == bytes)
    }

    @Test("refuses wrong units, negatives, fractions of bytes and overflow", arguments: [
        "", "GiB", "-1GiB", "2 gigs", "2Gb!", "1.2.3G", "0.3B", "99999999999TiB", "2GiBs", "1e9", "0x10",
    ])
    func refuses(text: String) {
        #expect(throws: ByteSize.ParseError.self) { try ByteSize(parsing: text) }
    }

    @Test("the error names the input and shows examples")
    func errorText() {
        do {
            _ = try ByteSize(parsing: "2 gigs")
            Issue.record("should fail")
        } catch {
            #expect(error.description == "invalid size '2 gigs': unknown unit 'gigs' (examples: 512MiB, 2GiB, 2G, 1073741824)")
        }
    }

    static let printed: [(UInt64, String)] = [(2_147_483_648, "2GiB"), (1_610_612_736, "1536MiB"), (100, "100B"), (4096, "4KiB")]

    @Test("prints the largest exact binary unit", arguments: printed)
    func prints(bytes: UInt64, text: String) {
        #expect(ByteSize(bytes: bytes).description == text)
    }
}
