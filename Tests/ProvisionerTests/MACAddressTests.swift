import Testing

@testable import Provisioner

@Suite("Derived MAC addresses")
struct MACAddressTests {
    @Test("52:54:00 and three bytes of SHA-256(name, NUL, index); stable, lower-case, unicast")
    func derived() {
        let mac = MACAddress.derived(guest: "web-1", nicIndex: 0)
        // python3: hashlib.sha256(b"web-1\0" + b"0").digest()[:3]
        #expect(mac == "52:54:00:8f:ec:d8")
        #expect(MACAddress.derived(guest: "web-1", nicIndex: 1) == "52:54:00:9b:9c:a2")
        #expect(mac == MACAddress.derived(guest: "web-1", nicIndex: 0))
        #expect(mac.count == 17)
        #expect(mac == mac.lowercased())
        #expect(mac.hasPrefix("52:54:00:"))
    }

    @Test("other names and NIC indexes give other MACs")
    func distinct() {
        var seen = Set<String>()
        for name in ["web-1", "web-2", "web-10", "db-1"] {
            for index in 0..<4 { seen.insert(MACAddress.derived(guest: name, nicIndex: index)) }
        }
        #expect(seen.count == 16)
        // The separator keeps "web-1" NIC 10 apart from "web-11" NIC 0 and similar.
        #expect(MACAddress.derived(guest: "web-1", nicIndex: 10) != MACAddress.derived(guest: "web-11", nicIndex: 0))
    }

    @Test("formatting pads single hex digits")
    func format() {
        #expect(MACAddress.format([0x52, 0x54, 0x00, 0x0a, 0xff, 0x01]) == "52:54:00:0a:ff:01")
    }
}
