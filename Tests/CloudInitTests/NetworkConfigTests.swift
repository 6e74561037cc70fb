import CloudInit
import Testing
import Yams

@Suite("network-config v2")
struct NetworkConfigTests {
    static let config = NetworkConfig(ethernets: [
        .dhcp("eth0", macAddress: "52:54:00:12:34:56"),
        .statically(
            "eth1", macAddress: "52:54:00:AB:CD:EF", addresses: ["192.168.122.10/24", "fd00::10/64"],
            gateway: "192.168.122.1",
            nameservers: .init(addresses: ["192.168.122.1", "fd00::1"], search: ["lab", "kinvm.lab"])),
        .init(id: "eth2", dhcp4: false, addresses: ["10.1.0.5/16"], gateway4: "10.1.0.1", routes: [
            .init(to: "10.2.0.0/16", via: "10.1.0.254", metric: 100), .defaultIPv6(via: "fe80::1"),
        ], mtu: 9000),
    ])

    static let yaml = """
        version: 2
        ethernets:
          eth0:
            match:
              macaddress: '52:54:00:12:34:56'
            set-name: eth0
            dhcp4: true
          eth1:
            match:
              macaddress: 52:54:00:ab:cd:ef
            set-name: eth1
            dhcp4: false
            addresses:
            - 192.168.122.10/24
            - fd00::10/64
            routes:
            - to: 0.0.0.0/0
              via: 192.168.122.1
            nameservers:
              addresses:
              - 192.168.122.1
              - fd00::1
              search:
              - lab
              - kinvm.lab
          eth2:
            dhcp4: false
            addresses:
            - 10.1.0.5/16
            gateway4: 10.1.0.1
            routes:
            - to: 10.2.0.0/16
              via: 10.1.0.254
              metric: 100
            - to: ::/0
              via: fe80::1
            mtu: 9000

        """

    @Test("renders bare version 2 (no 'network:' wrapper), ethernets in order, MACs lower-case")
    func golden() throws {
        #expect(try Self.config.yaml() == Self.yaml)
    }

    @Test("a MAC made of decimal pairs stays a string (YAML 1.1 would read 52:54:00:12:34:56 as a base-60 number)",
        .enabled(if: Tool.hasPyYAML, "needs python3-yaml"))
    func macIsString() throws {
        let yaml = try Self.config.yaml()
        let results = try Fixtures.pyYAML([(yaml, [
            "d['ethernets']['eth0']['match']['macaddress']", "d['version']", "d['ethernets']['eth2']['routes'][1]['to']",
        ])])[0]
        #expect(results == ["52:54:00:12:34:56", "<int> 2", "::/0"])
    }

    @Test("decodes what it writes, and also a config wrapped in 'network:'")
    func decode() throws {
        let decoded = try YAMLDecoder().decode(NetworkConfig.self, from: Self.yaml)
        #expect(try decoded.yaml() == Self.yaml)
        let indented = Self.yaml.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
        let wrapped = try YAMLDecoder().decode(NetworkConfig.self, from: "network:\n" + indented)
        #expect(wrapped.ethernets.map(\.id) == ["eth0", "eth1", "eth2"])
        #expect(wrapped.ethernets[1].addresses == ["192.168.122.10/24", "fd00::10/64"])
    }

    @Test("invalid values are refused, naming the field", arguments: [
        (NetworkConfig.Ethernet.dhcp("eth0", macAddress: "52:54:00:12:34"), "ethernets.eth0.match.macaddress"),
        (.dhcp("eth0", macAddress: "52-54-00-12-34-56"), "ethernets.eth0.match.macaddress"),
        (.dhcp("eth0", macAddress: "52:54:00:12:34:5g"), "ethernets.eth0.match.macaddress"),
        (.dhcp("a/b", macAddress: "52:54:00:12:34:56"), "ethernets.a/b"),
        (.dhcp("much-too-long-name", macAddress: "52:54:00:12:34:56"), "ethernets.much-too-long-name"),
        (.init(id: "eth0", setName: "lan0"), "ethernets.eth0.set-name"),
        (.init(id: "eth0", addresses: ["192.168.1.10"]), "ethernets.eth0.addresses[0]"),
        (.init(id: "eth0", addresses: ["10.0.0.1/24", "192.168.1.300/24"]), "ethernets.eth0.addresses[1]"),
        (.init(id: "eth0", addresses: ["192.168.1.10/33"]), "ethernets.eth0.addresses[0]"),
        (.init(id: "eth0", addresses: ["fd00::1/129"]), "ethernets.eth0.addresses[0]"),
        (.init(id: "eth0", addresses: ["fd00:::1/64"]), "ethernets.eth0.addresses[0]"),
        (.init(id: "eth0", addresses: ["010.0.0.1/8"]), "ethernets.eth0.addresses[0]"),
        (.init(id: "eth0", gateway4: "fd00::1"), "ethernets.eth0.gateway4"),
        (.init(id: "eth0", gateway4: "10.0.0.1/24"), "ethernets.eth0.gateway4"),
        (.init(id: "eth0", gateway6: "10.0.0.1"), "ethernets.eth0.gateway6"),
        (.init(id: "eth0", routes: [.init(to: "default", via: "10.0.0.1")]), "ethernets.eth0.routes[0].to"),
        (.init(id: "eth0", routes: [.init(to: "10.0.0.0/8", via: "fd00::1")]), "ethernets.eth0.routes[0].via"),
        (.init(id: "eth0", routes: [.init(to: "10.0.0.0/8", via: "10.0.0.1", metric: -1)]), "ethernets.eth0.routes[0].metric"),
        (.init(id: "eth0", nameservers: .init(addresses: ["8.8.8"])), "ethernets.eth0.nameservers.addresses[0]"),
        (.init(id: "eth0", nameservers: .init(search: ["bad domain"])), "ethernets.eth0.nameservers.search[0]"),
        (.init(id: "eth0", mtu: 20), "ethernets.eth0.mtu"),
    ])
    func refused(ethernet: NetworkConfig.Ethernet, field: String) {
        let config = NetworkConfig(ethernets: [ethernet])
        #expect { try config.yaml() } throws: { ($0 as? CloudInitError)?.field == field }
    }

    @Test("two ethernets with the same id are refused")
    func duplicateIDs() {
        let config = NetworkConfig(ethernets: [.dhcp("eth0", macAddress: "52:54:00:00:00:01"), .init(id: "eth0", dhcp4: true)])
        #expect { try config.yaml() } throws: { ($0 as? CloudInitError)?.field == "ethernets.eth0" }
    }
}

@Suite("IP address parsing")
struct IPAddressTests {
    static let validCases: [(String, IPAddress)] = [
        ("0.0.0.0", .v4([0, 0, 0, 0])), ("192.168.122.1", .v4([192, 168, 122, 1])),
        ("255.255.255.255", .v4([255, 255, 255, 255])),
        ("::", .v6([UInt8](repeating: 0, count: 16))),
        ("::1", .v6([UInt8](repeating: 0, count: 15) + [1])),
        ("fd00::10", .v6([0xFD, 0] + [UInt8](repeating: 0, count: 13) + [0x10])),
        ("2001:db8:0:0:1:0:0:1", .v6([0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1])),
        ("1:2:3:4:5:6:7::", .v6([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0])),
        ("::ffff:192.0.2.1", .v6([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 0, 2, 1])),
        ("FE80::ABCD", .v6([0xFE, 0x80] + [UInt8](repeating: 0, count: 12) + [0xAB, 0xCD])),
    ]

    @Test("accepts valid addresses", arguments: validCases)
    func valid(text: String, address: IPAddress) {
        #expect(IPAddress(text) == address)
    }

    @Test("refuses malformed addresses", arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "1.2.3.4 ", " 1.2.3.4", "1..2.3", "a.b.c.d",
        ":", ":::", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "::g", "fe80::1%eth0",
        "1.2.3.4::", "::1.2.3", "1:2:3:4:5:6:7:1.2.3.4", "１.2.3.4",
    ])
    func invalid(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test("CIDR needs a prefix within the family's bits", arguments: [
        ("10.0.0.0/8", true), ("10.0.0.0/0", true), ("10.0.0.0/32", true), ("10.0.0.0/33", false),
        ("fd00::/128", true), ("fd00::/129", false), ("10.0.0.0/08", false), ("10.0.0.0/", false), ("10.0.0.0", false),
        ("10.0.0.0/8/8", false), ("10.0.0.0/+8", false),
    ])
    func cidr(text: String, valid: Bool) {
        #expect((IPAddress.parseCIDR(text) != nil) == valid)
    }
}
