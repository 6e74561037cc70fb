import CLibvirt
import Foundation
import Testing

@testable import Libvirt

@Suite("Network")
struct NetworkTests {
    /// A network with one IPv4 subnet and a DHCP range, as the test driver accepts it.
    static func networkXML(name: String, bridge: String = "virbr9", subnet: String = "10.9.0") -> String {
        """
        <network>
          <name>\(name)</name>
          <bridge name='\(bridge)'/>
          <ip address='\(subnet).1' netmask='255.255.255.0'>
            <dhcp><range start='\(subnet).10' end='\(subnet).99'/></dhcp>
          </ip>
        </network>
        """
    }

    @Test("define, look up, start, query, stop, undefine")
    func lifecycle() async throws {
        let connection = try await TestDriver.open()
        let network = try await connection.defineNetwork(xml: Self.networkXML(name: "lab"), flags: .validate)
        #expect(network.name == "lab")
        #expect(network.uuid.count == 36)
        #expect(try await connection.network(named: "lab").uuid == network.uuid)
        #expect(try await connection.network(uuid: network.uuid).name == "lab")
        #expect(try await network.isActive() == false)
        #expect(try await network.isPersistent())

        try await network.start()
        #expect(try await network.isActive())
        #expect(try await network.bridgeName() == "virbr9")
        let xml = try await network.xml()
        #expect(xml.contains("<name>lab</name>"))
        #expect(xml.contains(network.uuid))

        #expect(try await network.autostart() == false)
        try await network.setAutostart(true)
        #expect(try await network.autostart())
        try await network.setAutostart(false)
        #expect(try await network.autostart() == false)

        try await network.destroy()
        #expect(try await network.isActive() == false)
        try await network.undefine()
        await expectLibvirtError(.noNetwork) { try await connection.network(named: "lab") }
        #expect(try await connection.networkIfPresent(named: "lab") == nil)
        #expect(try await connection.networkIfPresent(named: "default")?.name == "default")
    }

    @Test("a transient network is active at once and vanishes when destroyed")
    func transient() async throws {
        let connection = try await TestDriver.open()
        let network = try await connection.createTransientNetwork(xml: Self.networkXML(name: "temp"), flags: .validate)
        #expect(try await network.isActive())
        #expect(try await network.isPersistent() == false)
        try await network.destroy()
        #expect(try await connection.networkIfPresent(named: "temp") == nil)
    }

    @Test("list with filters")
    func listFilters() async throws {
        let connection = try await TestDriver.open()
        _ = try await connection.defineNetwork(xml: Self.networkXML(name: "idle", bridge: "virbr10", subnet: "10.10.0"))
        _ = try await connection.createTransientNetwork(
            xml: Self.networkXML(name: "temp", bridge: "virbr11", subnet: "10.11.0"))
        try await connection.network(named: "default").setAutostart(true)

        #expect(try await connection.allNetworks().map(\.name).sorted() == ["default", "idle", "temp"])
        #expect(try await connection.allNetworks(.active).map(\.name).sorted() == ["default", "temp"])
        #expect(try await connection.allNetworks(.inactive).map(\.name) == ["idle"])
        #expect(try await connection.allNetworks(.transient).map(\.name) == ["temp"])
        #expect(try await connection.allNetworks(.persistent).map(\.name).sorted() == ["default", "idle"])
        #expect(try await connection.allNetworks([.persistent, .autostart]).map(\.name) == ["default"])
        #expect(try await connection.allNetworks([.persistent, .noAutostart]).map(\.name) == ["idle"])
    }

    @Test("unknown networks, bad UUIDs and bad XML give exact errors and create nothing")
    func errors() async throws {
        let connection = try await TestDriver.open()
        let unknown = await expectLibvirtError(.noNetwork) { try await connection.network(named: "nope") }
        #expect(unknown?.operation == "virNetworkLookupByName")
        #expect(unknown?.object == "network 'nope'")
        await expectLibvirtError(.noNetwork) { try await connection.network(uuid: "00000000-0000-0000-0000-000000000000") }
        await expectLibvirtError(.invalidArg) { try await connection.network(uuid: "not-a-uuid") }

        await expectLibvirtError(.xmlDetail) { try await connection.defineNetwork(xml: "<network><nam") }
        await expectLibvirtError(.noName) { try await connection.defineNetwork(xml: "<network/>") }
        let bogus = "<network><name>bogus</name><bogus/></network>"
        await expectLibvirtError(.xmlInvalidSchema) { try await connection.defineNetwork(xml: bogus, flags: .validate) }
        await expectLibvirtError(.xmlInvalidSchema) {
            try await connection.createTransientNetwork(xml: bogus, flags: .validate)
        }
        let defaultUUID = try await connection.network(named: "default").uuid
        await expectLibvirtError(.operationFailed) {
            try await connection.defineNetwork(xml: "<network><name>other</name><uuid>\(defaultUUID)</uuid></network>")
        }
        #expect(try await connection.allNetworks().map(\.name) == ["default"])
    }

    @Test("operations invalid in the network's state fail with operationInvalid")
    func invalidForState() async throws {
        let connection = try await TestDriver.open()
        let network = try await connection.network(named: "default")
        let twice = await expectLibvirtError(.operationInvalid) { try await network.start() }
        #expect(twice?.object == "network 'default'")
        #expect(twice?.operation == "virNetworkCreate")
        // The test driver refuses to undefine a running network (the real driver makes it transient).
        await expectLibvirtError(.operationInvalid) { try await network.undefine() }
        let bare = try await connection.createTransientNetwork(xml: "<network><name>bare</name></network>")
        await expectLibvirtError(.internalError) { try await bare.bridgeName() }
    }

    @Test("what the test driver does not support: DHCP leases, the inactive-XML flag")
    func unsupportedOnTestDriver() async throws {
        let connection = try await TestDriver.open()
        let network = try await connection.network(named: "default")
        await expectLibvirtError(.notSupported) { try await network.dhcpLeases() }
        await expectLibvirtError(.notSupported) { try await network.dhcpLeases(mac: "52:54:00:00:00:01") }
        let inactive = await expectLibvirtError(.invalidArg) { try await network.xml(flags: .inactive) }
        #expect(inactive?.message.contains("unsupported flags") == true)
    }

    @Test("a DHCP lease is copied out of libvirt's struct field by field")
    func leaseConversion() throws {
        let values: [String] = ["virbr0", "52:54:00:12:34:56", "iaid-1", "192.168.122.42", "web", "01:52:54"]
        let strings = values.map { value in strdup(value) }
        defer { strings.forEach { free($0) } }
        var raw = virNetworkDHCPLease()
        raw.iface = strings[0]
        raw.expirytime = 1_700_000_000
        raw.type = Int32(VIR_IP_ADDR_TYPE_IPV4.rawValue)
        raw.mac = strings[1]
        raw.iaid = strings[2]
        raw.ipaddr = strings[3]
        raw.prefix = 24
        raw.hostname = strings[4]
        raw.clientid = strings[5]
        let lease = DHCPLease(raw)
        #expect(
            lease
                == DHCPLease(
                    interface: "virbr0", expiryTime: 1_700_000_000, family: .ipv4, mac: "52:54:00:12:34:56",
                    iaid: "iaid-1", ipAddress: "192.168.122.42", prefix: 24, hostname: "web", clientID: "01:52:54"))

        raw.type = Int32(VIR_IP_ADDR_TYPE_IPV6.rawValue)
        raw.mac = nil
        raw.hostname = nil
        let v6 = DHCPLease(raw)
        #expect(v6.family == .ipv6)
        #expect(v6.mac == nil)
        #expect(v6.hostname == nil)
    }

    @Test("calls after close fail with invalidConnection")
    func closedConnection() async throws {
        let connection = try await TestDriver.open()
        let network = try await connection.network(named: "default")
        await connection.close()
        await expectLibvirtError(.invalidConnection) { try await connection.network(named: "default") }
        await expectLibvirtError(.invalidConnection) { try await connection.allNetworks() }
        await expectLibvirtError(.invalidConnection) { try await connection.defineNetwork(xml: Self.networkXML(name: "x")) }
        await expectLibvirtError(.invalidConnection) { try await network.isActive() }
        await expectLibvirtError(.invalidConnection) {
            try await network.addDHCPHost(mac: "52:54:00:00:00:01", ip: "192.168.122.5")
        }
    }
}

extension NetworkTests {
    @Suite("Network updates (virNetworkUpdate)")
    struct Updates {
        @Test("command and section map to their C constants", arguments: Network.UpdateCommand.allCases)
        func commandConstants(_ command: Network.UpdateCommand) {
            let expected: [Network.UpdateCommand: virNetworkUpdateCommand] = [
                .addFirst: VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST, .addLast: VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
                .modify: VIR_NETWORK_UPDATE_COMMAND_MODIFY, .delete: VIR_NETWORK_UPDATE_COMMAND_DELETE,
            ]
            #expect(command.rawValue == expected[command]?.rawValue)
        }

        @Test("every section maps to a distinct C constant")
        func sectionConstants() {
            let raw = Network.UpdateSection.allCases.map(\.rawValue)
            #expect(Set(raw).count == raw.count)
            #expect(Network.UpdateSection.ipDHCPHost.rawValue == VIR_NETWORK_SECTION_IP_DHCP_HOST.rawValue)
            #expect(Network.UpdateSection.dnsSRV.rawValue == VIR_NETWORK_SECTION_DNS_SRV.rawValue)
            #expect(!raw.contains(VIR_NETWORK_SECTION_NONE.rawValue))
        }

        // Swapping command and section would turn "add-last (3) to ip-dhcp-host (4)" into
        // "add-first (4) to ip (3)", which libvirt refuses as operationUnsupported: these succeed only
        // with the arguments in the right order.
        @Test("add and remove a static DHCP host; the XML reflects both")
        func dhcpHost() async throws {
            let connection = try await TestDriver.open()
            let network = try await connection.network(named: "default")
            try await network.addDHCPHost(mac: "52:54:00:00:00:11", ip: "192.168.122.50", name: "web")
            #expect(try await network.xml().contains("<host mac='52:54:00:00:00:11' name='web' ip='192.168.122.50'/>"))

            let duplicate = await expectLibvirtError(.operationInvalid) {
                try await network.addDHCPHost(mac: "52:54:00:00:00:11", ip: "192.168.122.50", name: "web")
            }
            #expect(duplicate?.operation == "virNetworkUpdate")
            #expect(duplicate?.object == "network 'default'")

            try await network.removeDHCPHost(mac: "52:54:00:00:00:11")
            #expect(try await network.xml().contains("52:54:00:00:00:11") == false)
            await expectLibvirtError(.operationInvalid) { try await network.removeDHCPHost(mac: "52:54:00:00:00:11") }
        }

        @Test("add-first and add-last put the element where they say")
        func ordering() async throws {
            let connection = try await TestDriver.open()
            let network = try await connection.network(named: "default")
            try await network.addDHCPHost(mac: "52:54:00:00:00:02", ip: "192.168.122.52")
            try await network.update(
                command: .addFirst, section: .ipDHCPHost, xml: "<host mac='52:54:00:00:00:01' ip='192.168.122.51'/>")
            try await network.update(
                command: .addLast, section: .ipDHCPHost, xml: "<host mac='52:54:00:00:00:03' ip='192.168.122.53'/>",
                parentIndex: 0, flags: [.live, .config])
            let xml = try await network.xml()
            let positions = ["00:01", "00:02", "00:03"].compactMap { xml.range(of: "52:54:00:00:\($0)")?.lowerBound }
            #expect(positions.count == 3)
            #expect(positions == positions.sorted())

            try await network.update(
                command: .modify, section: .ipDHCPHost, xml: "<host mac='52:54:00:00:00:02' ip='192.168.122.62'/>")
            #expect(try await network.xml().contains("192.168.122.62"))
            try await network.update(
                command: .addLast, section: .dnsHost, xml: "<host ip='192.168.122.70'><hostname>db</hostname></host>")
            #expect(try await network.xml().contains("<hostname>db</hostname>"))
        }

        @Test("update errors: unsupported section, missing parent, config of a transient network")
        func updateErrors() async throws {
            let connection = try await TestDriver.open()
            let network = try await connection.network(named: "default")
            await expectLibvirtError(.operationUnsupported) {
                try await network.update(command: .modify, section: .bridge, xml: "<bridge name='virbr0' stp='off'/>")
            }
            await expectLibvirtError(.operationInvalid) {
                try await network.addDHCPHost(mac: "52:54:00:00:00:04", ip: "192.168.122.54", parentIndex: 5)
            }
            await expectLibvirtError(.xmlDetail) {
                try await network.update(command: .addLast, section: .ipDHCPHost, xml: "<host mac=")
            }
            let temp = try await connection.createTransientNetwork(xml: NetworkTests.networkXML(name: "temp"))
            await expectLibvirtError(.operationInvalid) {
                try await temp.addDHCPHost(mac: "52:54:00:00:00:05", ip: "10.9.0.20", flags: .config)
            }
            try await temp.addDHCPHost(mac: "52:54:00:00:00:05", ip: "10.9.0.20", flags: .live)
            #expect(try await temp.xml().contains("10.9.0.20"))
        }

        @Test(
            "attribute values are escaped for XML",
            arguments: [
                ("web-1", "web-1"), ("a&b", "a&amp;b"), ("<x>", "&lt;x&gt;"), ("say \"hi\"", "say &quot;hi&quot;"),
                ("it's", "it&apos;s"), ("tab\there\nnl\r", "tab&#9;here&#10;nl&#13;"), ("ünï", "ünï"),
            ])
        func escaping(raw: String, escaped: String) {
            #expect(xmlAttributeEscaped(raw) == escaped)
        }

        @Test("the DHCP host element leaves absent attributes out and escapes the rest")
        func hostElement() {
            #expect(
                Network.dhcpHostElement(mac: "52:54:00:00:00:01", ip: "10.0.0.2", name: "a'b")
                    == "<host mac='52:54:00:00:00:01' name='a&apos;b' ip='10.0.0.2'/>")
            #expect(Network.dhcpHostElement(mac: nil, ip: "10.0.0.2", name: "db") == "<host name='db' ip='10.0.0.2'/>")
            #expect(
                Network.dhcpHostElement(mac: "52:54:00:00:00:01", ip: nil, name: nil) == "<host mac='52:54:00:00:00:01'/>")
        }

        @Test("escaped names reach libvirt intact; libvirt 9.0 then chokes on ' < & in its own XML")
        func escapedNamesThroughLibvirt() async throws {
            let connection = try await TestDriver.open()
            let network = try await connection.network(named: "default")
            try await network.addDHCPHost(mac: "52:54:00:00:00:21", ip: "192.168.122.81", name: "say \"hi\"")
            #expect(try await network.xml().contains("name='say \"hi\"'"))
            // libvirt writes the host element back unescaped and re-parses it; if this starts to pass,
            // libvirt fixed it and the note on addDHCPHost can go.
            await expectLibvirtError(.xmlDetail) {
                try await network.addDHCPHost(mac: "52:54:00:00:00:22", ip: "192.168.122.82", name: "it's")
            }
        }
    }
}
