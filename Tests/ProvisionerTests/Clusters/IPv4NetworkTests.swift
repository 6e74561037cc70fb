import Foundation
import Testing

@testable import Provisioner

@Suite("IPv4Network: CIDR rules and address arithmetic")
struct IPv4NetworkTests {
    @Test(
        "valid cluster CIDRs",
        arguments: [
            ("192.168.150.0/24", "192.168.150.0", 24), ("10.20.0.0/16", "10.20.0.0", 16),
            ("192.168.150.16/28", "192.168.150.16", 28), ("172.16.4.0/22", "172.16.4.0", 22),
        ])
    func valid(text: String, address: String, prefix: Int) throws {
        let network = try IPv4Network(cidr: text)
        #expect(network.address == IPv4Address(address))
        #expect(network.prefixLength == prefix)
        #expect(network.description == text)
    }

    @Test(
        "each rule of init(cidr:) names what is wrong",
        arguments: [
            // CIDR form
            ("192.168.150.0", "not in CIDR form"), ("", "not in CIDR form"), ("192.168.150.0/24/1", "not in CIDR form"),
            // the address
            ("192.168.150/24", "is not an IPv4 address"), ("192.168.01.0/24", "is not an IPv4 address"),
            ("256.1.1.0/24", "is not an IPv4 address"), ("fd00::/64", "is not an IPv4 address"),
            (" 192.168.1.0/24", "is not an IPv4 address"),
            // the prefix
            ("192.168.150.0/", "is not a prefix length"), ("192.168.150.0/x", "is not a prefix length"),
            ("192.168.150.0/024", "is not a prefix length"), ("192.168.150.0/+24", "is not a prefix length"),
            ("192.168.150.0/33", "is not a prefix length"), ("192.168.150.0/-1", "is not a prefix length"),
            ("192.168.150.0/２４", "is not a prefix length"),
            // the size kinvm accepts
            ("10.0.0.0/8", "/8 is outside /16…/28"), ("10.0.0.0/15", "/15 is outside /16…/28"),
            ("192.168.150.0/29", "/29 is outside /16…/28"), ("192.168.150.1/32", "/32 is outside /16…/28"),
            // host bits
            ("192.168.150.1/24", "has host bits set; the network is 192.168.150.0/24"),
            ("10.20.30.0/16", "has host bits set; the network is 10.20.0.0/16"),
            ("192.168.150.8/28", "has host bits set; the network is 192.168.150.0/28"),
        ])
    func invalid(text: String, message: String) {
        #expect {
            try IPv4Network(cidr: text)
        } throws: { error in
            (error as? IPv4NetworkError)?.message.contains(message) == true
        }
    }

    @Test("a /24: netmask, gateway, broadcast, node addresses .10–.254")
    func slash24() throws {
        let network = try IPv4Network(cidr: "192.168.150.0/24")
        #expect(network.netmask.description == "255.255.255.0")
        #expect(network.gateway.description == "192.168.150.1")
        #expect(network.broadcast.description == "192.168.150.255")
        #expect(IPv4Address(network.nodeAddresses.lowerBound).description == "192.168.150.10")
        #expect(IPv4Address(network.nodeAddresses.upperBound).description == "192.168.150.254")
        #expect(network.nodeCapacity == 245)
    }

    @Test("a /28: five node addresses, .10–.14 of the block")
    func slash28() throws {
        let network = try IPv4Network(cidr: "192.168.150.16/28")
        #expect(network.netmask.description == "255.255.255.240")
        #expect(network.gateway.description == "192.168.150.17")
        #expect(network.broadcast.description == "192.168.150.31")
        #expect(network.nodeAddresses.map { IPv4Address($0).description } == (26...30).map { "192.168.150.\($0)" })
        #expect(network.nodeCapacity == 5)
    }

    @Test("a /16 crosses octets")
    func slash16() throws {
        let network = try IPv4Network(cidr: "10.20.0.0/16")
        #expect(network.gateway.description == "10.20.0.1")
        #expect(network.broadcast.description == "10.20.255.255")
        #expect(IPv4Address(network.nodeAddresses.upperBound).description == "10.20.255.254")
        #expect(network.nodeCapacity == 65_525)  // offsets 10 … 65,534
    }

    @Test(
        "contains: only addresses under the prefix",
        arguments: [
            ("192.168.150.0", true), ("192.168.150.255", true), ("192.168.150.77", true),
            ("192.168.151.0", false), ("192.168.149.255", false), ("10.0.0.1", false),
        ])
    func contains(address: String, expected: Bool) throws {
        let network = try IPv4Network(cidr: "192.168.150.0/24")
        #expect(network.contains(try #require(IPv4Address(address))) == expected)
    }

    @Test(
        "overlaps: identical, nested either way, adjacent and disjoint",
        arguments: [
            ("192.168.150.0/24", "192.168.150.0/24", true), ("192.168.150.0/24", "192.168.150.16/28", true),
            ("192.168.150.16/28", "192.168.0.0/16", true), ("192.168.150.0/24", "192.168.151.0/24", false),
            ("192.168.150.16/28", "192.168.150.32/28", false), ("10.0.0.0/16", "192.168.0.0/16", false),
        ])
    func overlaps(first: String, second: String, expected: Bool) throws {
        let a = try IPv4Network(cidr: first)
        let b = try IPv4Network(cidr: second)
        #expect(a.overlaps(b) == expected)
        #expect(b.overlaps(a) == expected)
    }

    @Test("networks of any size from an address and prefix (as other networks' <ip> are read)")
    func containing() throws {
        let address = try #require(IPv4Address("10.1.2.3"))
        #expect(IPv4Network(containing: address, prefixLength: 8).description == "10.0.0.0/8")
        #expect(IPv4Network(containing: address, prefixLength: 30).description == "10.1.2.0/30")
        #expect(IPv4Network(containing: address, prefixLength: 32).description == "10.1.2.3/32")
        #expect(IPv4Network(containing: address, prefixLength: 0).description == "0.0.0.0/0")
        #expect(IPv4Network(containing: address, prefixLength: 8).overlaps(try IPv4Network(cidr: "10.200.0.0/16")))
    }

    @Test(
        "prefix length of a netmask; nil for non-contiguous masks",
        arguments: [
            ("255.255.255.0", 24 as Int?), ("255.255.0.0", 16), ("255.255.255.240", 28), ("0.0.0.0", 0),
            ("255.255.255.255", 32), ("255.0.255.0", nil), ("255.255.255.1", nil), ("0.255.255.255", nil),
        ])
    func netmask(text: String, expected: Int?) throws {
        #expect(IPv4Network.prefixLength(ofNetmask: try #require(IPv4Address(text))) == expected)
    }

    @Test("JSON: a CIDR string, checked when decoded")
    func codable() throws {
        let network = try IPv4Network(cidr: "192.168.150.0/24")
        let data = try JSONEncoder().encode([network])
        #expect(String(decoding: data, as: UTF8.self) == #"["192.168.150.0\/24"]"#)
        #expect(try JSONDecoder().decode([IPv4Network].self, from: data) == [network])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([IPv4Network].self, from: Data(#"["192.168.150.1/24"]"#.utf8))
        }
    }
}
