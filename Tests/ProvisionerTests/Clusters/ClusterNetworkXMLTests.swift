import LibXML2
import Testing

@testable import Provisioner

@Suite("Cluster network XML: render, read, metadata, overlap (pure)")
struct ClusterNetworkXMLTests {
    static let spec = """
        apiVersion: kinvm.dev/v1alpha1
        kind: Cluster
        metadata:
          name: lab   # <b>&amp; "quoted" 'single' ]]> ü
        spec:
          network: {mode: nat, cidr: 192.168.150.0/24}

        """

    func definition(mode: ClusterNetworkMode = .nat, bridge: String? = nil) throws -> ClusterNetworkDefinition {
        let cidr = try IPv4Network(cidr: "192.168.150.0/24")
        return ClusterNetworkDefinition(
            name: "kinvm-lab", cidr: cidr, mode: mode,
            metadata: ClusterNetworkMetadata(cluster: "lab", created: "2026-11-29T05:00:00Z", ttlSeconds: 28_800, spec: Self.spec),
            bridge: bridge,
            reservations: [
                .forNode("lab-cp-1", ip: IPv4Address("192.168.150.10")!),
                .forNode("lab-w-1", ip: IPv4Address("192.168.150.11")!),
            ])
    }

    @Test("a NAT network renders valid against libvirt's network.rng and reads back the same", arguments: [ClusterNetworkMode.nat, .isolated])
    func roundTrip(mode: ClusterNetworkMode) throws {
        let definition = try definition(mode: mode, bridge: mode == .nat ? "kvlab0" : nil)
        let xml = try ClusterNetworkXML.render(definition)
        let document = try XMLDocument(parsing: xml)
        #expect(try RelaxNGSchema.libvirt(.network).validate(document).isEmpty, "\(xml)")
        #expect(xml.contains(#"<kinvm:cluster xmlns:kinvm="https://kinvm.dev/xmlns/kinvm/1" owner="kinvm" name="lab" created="2026-11-29T05:00:00Z" ttl="28800" generation="1">"#))
        #expect((try document.first("/network/forward") != nil) == (mode == .nat))
        #expect(try document.evaluateString("/network/forward/@mode") == (mode == .nat ? "nat" : ""))
        #expect(try document.select("/network/ip/dhcp/range").isEmpty)
        #expect(try document.evaluateString("/network/ip/@address") == "192.168.150.1")
        #expect(try document.evaluateString("/network/ip/@netmask") == "255.255.255.0")

        let state = try ClusterNetworkXML.read(xml)
        #expect(state.name == "kinvm-lab")
        #expect(state.metadata == definition.metadata)
        #expect(state.metadata?.spec == Self.spec)
        #expect(state.cluster == "lab")
        #expect(state.cidr == definition.cidr)
        #expect(state.hostAddress == definition.cidr.gateway)
        #expect(state.mode == mode)
        #expect(state.bridge == definition.bridge)
        #expect(state.reservations == definition.reservations)
    }

    @Test("a network without kinvm's record, or with another owner, reads as not kinvm's")
    func foreign() throws {
        let plain = try ClusterNetworkXML.read(
            "<network><name>default</name><forward/><ip address='192.168.122.1' prefix='24'/></network>")
        #expect(plain.metadata == nil)
        #expect(plain.forwardMode == "nat")
        #expect(plain.mode == .nat)
        #expect(plain.cidr?.description == "192.168.122.0/24")

        let otherOwner = try ClusterNetworkXML.read(
            """
            <network><name>x</name><metadata><k:cluster xmlns:k="https://kinvm.dev/xmlns/kinvm/1" owner="someone" name="lab"/>\
            </metadata><forward mode='route'/></network>
            """)
        #expect(otherOwner.metadata == nil)
        #expect(otherOwner.mode == nil)
        #expect(otherOwner.cidr == nil)

        let otherNamespace = try ClusterNetworkXML.read(
            #"<network><name>x</name><metadata><k:cluster xmlns:k="https://example.org/x" owner="kinvm" name="lab"/></metadata></network>"#)
        #expect(otherNamespace.metadata == nil)
    }

    @Test("reading libvirt's own form: single quotes, uuid, mac, incomplete hosts skipped, IPv6 ignored")
    func libvirtForm() throws {
        let xml = """
            <network>
              <name>kinvm-lab</name>
              <uuid>04e46bd8-8286-44db-9fa0-a9a78573e146</uuid>
              <metadata>
                <kinvm:cluster xmlns:kinvm="https://kinvm.dev/xmlns/kinvm/1" owner="kinvm" name="lab" created="2026-11-29T05:00:00Z">
                  <kinvm:spec>a: 1</kinvm:spec>
                </kinvm:cluster>
              </metadata>
              <bridge name='virbr1' stp='on' delay='0'/>
              <mac address='52:54:00:12:34:56'/>
              <ip family='ipv6' address='fd00::1' prefix='64'/>
              <ip address='192.168.150.1' netmask='255.255.255.0'>
                <dhcp>
                  <host mac='52:54:00:AA:BB:CC' name='lab-cp-1' ip='192.168.150.10'/>
                  <host mac='52:54:00:00:00:01' ip='192.168.150.50'/>
                  <host name='by-name' ip='192.168.150.51'/>
                </dhcp>
              </ip>
            </network>
            """
        let state = try ClusterNetworkXML.read(xml)
        #expect(state.uuid == "04e46bd8-8286-44db-9fa0-a9a78573e146")
        #expect(state.metadata == ClusterNetworkMetadata(cluster: "lab", created: "2026-11-29T05:00:00Z", ttlSeconds: nil, spec: "a: 1"))
        #expect(state.mode == .isolated)
        #expect(state.bridge == "virbr1")
        #expect(state.cidr?.description == "192.168.150.0/24")
        #expect(state.reservations == [DHCPReservation(node: "lab-cp-1", mac: "52:54:00:aa:bb:cc", ip: IPv4Address("192.168.150.10")!)])
        #expect(try ClusterNetworkXML.hostEntries(xml).count == 3)
    }

    @Test("replacing the record keeps everything else, including libvirt's additions")
    func replaceMetadata() throws {
        let original = """
            <network>
              <name>kinvm-lab</name>
              <uuid>04e46bd8-8286-44db-9fa0-a9a78573e146</uuid>
              <metadata>
                <other:thing xmlns:other="https://example.org/other">keep me</other:thing>
                <kinvm:cluster xmlns:kinvm="https://kinvm.dev/xmlns/kinvm/1" owner="kinvm" name="lab" created="2026-11-29T05:00:00Z" ttl="60">
                  <kinvm:spec>old</kinvm:spec>
                </kinvm:cluster>
              </metadata>
              <forward mode='nat'/>
              <bridge name='virbr1' stp='on' delay='0'/>
              <ip address='192.168.150.1' netmask='255.255.255.0'>
                <dhcp><host mac='52:54:00:aa:bb:cc' name='lab-cp-1' ip='192.168.150.10'/></dhcp>
              </ip>
            </network>
            """
        let new = ClusterNetworkMetadata(cluster: "lab", created: "2026-11-29T05:00:00Z", ttlSeconds: nil, spec: Self.spec)
        let xml = try ClusterNetworkXML.replacingMetadata(in: original, with: new)
        let before = try ClusterNetworkXML.read(original)
        var after = try ClusterNetworkXML.read(xml)
        #expect(after.metadata == new)
        after.metadata = before.metadata
        #expect(after == before)
        #expect(xml.contains("<other:thing xmlns:other=\"https://example.org/other\">keep me</other:thing>"))
        #expect(xml.components(separatedBy: "kinvm:cluster ").count == 2, "exactly one record: \(xml)")

        // A network without <metadata> gets one.
        let bare = try ClusterNetworkXML.replacingMetadata(in: "<network><name>n</name></network>", with: new)
        #expect(try ClusterNetworkXML.read(bare).metadata == new)
    }

    @Test("other networks' <ip> ranges of any size: prefix, netmask, class default")
    func ipv4Networks() throws {
        let xml = """
            <network><name>n</name>
              <ip address='10.1.2.3' prefix='8'/><ip address='172.16.5.1' netmask='255.255.255.252'/>
              <ip address='192.168.7.1'/><ip family='ipv6' address='fd00::1' prefix='64'/>
              <ip address='192.168.8.1' netmask='255.0.255.0'/>
            </network>
            """
        #expect(try ClusterNetworkXML.ipv4Networks(xml).map(\.description) == ["10.0.0.0/8", "172.16.5.0/30", "192.168.7.0/24"])
    }

    @Test("overlap: every other network range sharing an address, none for disjoint ones")
    func overlap() throws {
        let cidr = try IPv4Network(cidr: "192.168.150.0/24")
        let others: [(name: String, xml: String)] = [
            ("default", "<network><name>default</name><ip address='192.168.122.1' netmask='255.255.255.0'/></network>"),
            ("wide", "<network><name>wide</name><ip address='192.168.0.1' prefix='16'/></network>"),
            ("small", "<network><name>small</name><ip address='192.168.150.129' prefix='28'/></network>"),
            ("none", "<network><name>none</name></network>"),
        ]
        let conflicts = try NetworkOverlap.conflicts(of: cidr, with: others)
        #expect(conflicts.map(\.network) == ["wide", "small"])
        #expect(conflicts.map(\.cidr.description) == ["192.168.0.0/16", "192.168.150.128/28"])
        #expect(try NetworkOverlap.conflicts(of: IPv4Network(cidr: "10.9.0.0/16"), with: others).isEmpty)
        #expect(throws: ProvisionerError.self) {
            try NetworkOverlap.conflicts(of: cidr, with: [("broken", "<network>")])
        }
    }

    @Test("the update snippet for a DHCP host is built as a document and escaped")
    func hostElement() throws {
        let xml = try ClusterNetworkXML.hostElement(DHCPHostEntry(mac: "52:54:00:aa:bb:cc", name: "a'<&\"", ip: "192.168.150.10"))
        let element = try XMLDocument(parsing: xml).root
        #expect(element.name == "host")
        #expect(element.attributeNames == ["mac", "name", "ip"])
        #expect(element.attribute("name") == "a'<&\"")
        #expect(try ClusterNetworkXML.hostElement(DHCPHostEntry(mac: nil, name: "n", ip: nil)) == #"<host name="n"/>"#)
    }
}

@Suite("Bridged cluster networks and several hosts' records (pure)")
struct BridgedNetworkXMLTests {
    static let metadata = ClusterNetworkMetadata(
        cluster: "lab", created: "2026-11-29T05:00:00Z", ttlSeconds: 3600, spec: "kind: Cluster  # <&>", generation: 1_795_000_000_123,
        addresses: [
            DHCPReservation.forNode("lab-cp-1", ip: IPv4Address("10.251.0.100")!),
            DHCPReservation.forNode("lab-w-1", ip: IPv4Address("10.251.0.101")!),
        ],
        placements: ["lab-cp-1": "h1", "lab-w-1": "h-2<&>"], pendingDelete: ["h3"])

    @Test("a bridged network is <forward mode='bridge'/> on the host's bridge, valid for libvirt, and its record carries addresses, placements and pending hosts")
    func roundTrip() throws {
        let definition = ClusterNetworkDefinition(
            name: "kinvm-lab", cidr: try IPv4Network(cidr: "10.251.0.0/24"), mode: .bridged, metadata: Self.metadata, bridge: "br-kinvm")
        let xml = try ClusterNetworkXML.render(definition)
        let document = try XMLDocument(parsing: xml)
        #expect(try RelaxNGSchema.libvirt(.network).validate(document).isEmpty, "\(xml)")
        #expect(try document.evaluateString("/network/forward/@mode") == "bridge")
        #expect(try document.evaluateString("/network/bridge/@name") == "br-kinvm")
        #expect(try document.select("/network/ip").isEmpty)
        let state = try ClusterNetworkXML.read(xml)
        #expect(state.mode == .bridged && state.bridge == "br-kinvm")
        #expect(state.metadata == Self.metadata)
        #expect(state.reservations == Self.metadata.addresses)
        #expect(state.reservation(for: "lab-w-1")?.ip.description == "10.251.0.101")
    }

    @Test("a bridged network needs a bridge name")
    func needsBridge() throws {
        let definition = ClusterNetworkDefinition(
            name: "kinvm-lab", cidr: try IPv4Network(cidr: "10.251.0.0/24"), mode: .bridged, metadata: Self.metadata)
        #expect(throws: ProvisionerError.self) { try ClusterNetworkXML.render(definition) }
    }

    @Test("of a cluster's records on several hosts, the highest generation wins")
    func latestRecord() {
        func state(_ generation: Int, spec: String) -> ClusterNetworkState {
            var metadata = Self.metadata
            metadata.generation = generation
            metadata.spec = spec
            return ClusterNetworkState(name: "kinvm-lab", metadata: metadata)
        }
        let records = ClusterRecords(byHost: ["h1": state(5, spec: "old"), "h2": state(9, spec: "new"), "h3": ClusterNetworkState(name: "x")])
        #expect(records.latest?.host == "h2" && records.latest?.state.metadata?.spec == "new")
        #expect(ClusterRecords(byHost: [:]).latest == nil)
    }

    @Test("a given host takes the name its cluster's record gives its URI; recorded hosts are never added, only reported")
    func namingHosts() {
        let given = [ClusterHost(name: "localhost", uri: "qemu+unix:///system?socket=/a"), ClusterHost(name: "x", uri: "qemu:///system")]
        let recorded = [
            ClusterHost(name: "h1", uri: "qemu+unix:///system?socket=/a"), ClusterHost(name: "h2", uri: "qemu+ssh://h2/system"),
            ClusterHost(name: "h2", uri: "qemu+ssh://h2/system"),
        ]
        let named = ClusterHost.naming(given: given, recorded: recorded)
        #expect(named == [ClusterHost(name: "h1", uri: "qemu+unix:///system?socket=/a"), ClusterHost(name: "x", uri: "qemu:///system")])
        #expect(ClusterHost.naming(given: given, recorded: []) == given)
        #expect(ClusterHost.notGiven(recorded, given: named) == [ClusterHost(name: "h2", uri: "qemu+ssh://h2/system")])
    }

    @Test("addresses come from the bridged range, kept ones kept, and a full range is refused")
    func rangeAllocation() throws {
        let cidr = try IPv4Network(cidr: "10.251.0.0/24")
        let range = IPv4Address("10.251.0.100")!.value...IPv4Address("10.251.0.101")!.value
        let first = try AddressAllocator.allocate(in: cidr, range: range, existing: [], wanted: ["a", "b"])
        #expect(first.reservations.map(\.ip.description) == ["10.251.0.100", "10.251.0.101"])
        let kept = try AddressAllocator.allocate(in: cidr, range: range, existing: [first.reservations[1]], wanted: ["b", "c"])
        #expect(kept.reservations.map(\.ip.description) == ["10.251.0.101", "10.251.0.100"])
        do {
            _ = try AddressAllocator.allocate(in: cidr, range: range, existing: first.reservations, wanted: ["a", "b", "c"])
            Issue.record("allocated past the range")
        } catch {
            #expect(error.message.contains("has room for 2 nodes (10.251.0.100–10.251.0.101)"), "\(error.message)")
        }
    }
}
