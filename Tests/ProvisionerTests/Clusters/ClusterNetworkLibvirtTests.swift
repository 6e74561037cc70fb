import Foundation
import Libvirt
import Testing

@testable import Provisioner

/// ClusterNetwork on libvirt's test driver: a private host (`test:///PATH`) with a foreign NAT
/// network `default` (192.168.122.0/24) and a foreign network named `kinvm-taken`.
///
/// The test driver supports network update of DHCP hosts (add, modify, delete; live and config),
/// but not `VIR_NETWORK_XML_INACTIVE`, and forgets a redefinition made while a network runs; the
/// separate live/persistent paths are covered on the real daemon (ClusterNetworkIntegrationTests).
@Suite("ClusterNetwork on the test driver")
struct ClusterNetworkLibvirtTests {
    struct Host {
        let connection: Connection
        let directory: String

        static func open() async throws -> Host {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-net-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let xml = """
                <node>
                  <network><name>default</name><forward mode='nat'/>
                    <ip address='192.168.122.1' netmask='255.255.255.0'/></network>
                  <network><name>kinvm-taken</name><ip address='10.77.0.1' prefix='24'/></network>
                </node>
                """
            try xml.write(toFile: "\(directory)/host.xml", atomically: true, encoding: .utf8)
            return Host(connection: try await Connection.open("test://\(directory)/host.xml"), directory: directory)
        }

        func remove() async {
            await connection.close()
            try? FileManager.default.removeItem(atPath: directory)
        }

        func network(_ name: String = "kinvm-lab", cluster: String = "lab") -> ClusterNetwork {
            ClusterNetwork(name: name, cluster: cluster, on: connection)
        }
    }

    static func definition(
        name: String = "kinvm-lab", cluster: String = "lab", cidr: String = "192.168.150.0/24",
        mode: ClusterNetworkMode = .nat, spec: String = "kind: Cluster\n"
    ) throws -> ClusterNetworkDefinition {
        ClusterNetworkDefinition(
            name: name, cidr: try IPv4Network(cidr: cidr), mode: mode,
            metadata: ClusterNetworkMetadata(cluster: cluster, created: "2026-11-29T05:00:00Z", ttlSeconds: 3600, spec: spec))
    }

    static func withHost(_ body: (Host) async throws -> Void) async throws {
        let host = try await Host.open()
        do {
            try await body(host)
        } catch {
            await host.remove()
            throw error
        }
        await host.remove()
    }

    func ip(_ last: Int) -> IPv4Address { IPv4Address("192.168.150.\(last)")! }

    @Test("ensure defines, starts and autostarts; again it changes nothing; list shows only kinvm's networks")
    func ensure() async throws {
        try await Self.withHost { host in
            let lab = host.network()
            #expect(try await lab.state() == nil)
            let state = try await lab.ensure(Self.definition())
            #expect(state.isActive && state.isPersistent && state.autostart)
            #expect(state.metadata?.cluster == "lab")
            #expect(state.metadata?.ttlSeconds == 3600)
            #expect(state.cidr?.description == "192.168.150.0/24")
            #expect(state.mode == .nat)
            let uuid = try #require(state.uuid)

            let again = try await lab.ensure(Self.definition(spec: "a spec ensure must not write"))
            #expect(again == state)
            #expect(again.uuid == uuid)
            #expect(again.metadata?.spec == "kind: Cluster\n")

            _ = try await host.network("kinvm-iso", cluster: "iso")
                .ensure(Self.definition(name: "kinvm-iso", cluster: "iso", cidr: "192.168.160.0/28", mode: .isolated))
            let listed = try await ClusterNetwork.list(on: host.connection)
            #expect(listed.map(\.name) == ["kinvm-iso", "kinvm-lab"])
            #expect(listed.map(\.mode) == [.isolated, .nat])
            #expect(listed.map(\.cluster) == ["iso", "lab"])
        }
    }

    @Test("ensure completes a half-created network: defined only, not started, no autostart")
    func ensureHalfCreated() async throws {
        try await Self.withHost { host in
            let xml = try ClusterNetworkXML.render(Self.definition())
            let raw = try await host.connection.defineNetwork(xml: xml)
            #expect(try await raw.isActive() == false)
            let state = try await host.network().ensure(Self.definition())
            #expect(state.isActive && state.autostart)
            #expect(state.uuid == raw.uuid)
        }
    }

    @Test("ensure refuses a foreign network, another cluster's, another CIDR or mode, and an overlap")
    func refusals() async throws {
        try await Self.withHost { host in
            await expectProvisionerError(.notOwned, containing: ["network 'kinvm-taken' exists and was not created by kinvm"]) {
                try await host.network("kinvm-taken").ensure(Self.definition(name: "kinvm-taken", cidr: "10.77.0.0/24"))
            }
            _ = try await host.network().ensure(Self.definition())
            await expectProvisionerError(.notOwned, containing: ["belongs to kinvm cluster 'lab', not 'other'"]) {
                try await host.network(cluster: "other").ensure(Self.definition(cluster: "other"))
            }
            await expectProvisionerError(.unsupported, containing: ["has 192.168.150.0/24", "asks for 192.168.170.0/24"]) {
                try await host.network().ensure(Self.definition(cidr: "192.168.170.0/24"))
            }
            await expectProvisionerError(.unsupported, containing: ["in forward mode 'nat'", "asks for isolated"]) {
                try await host.network().ensure(Self.definition(mode: .isolated))
            }
            await expectProvisionerError(
                .inUse, containing: ["192.168.122.0/25 of network 'kinvm-new' overlaps 192.168.122.0/24 of network 'default'"]
            ) {
                try await host.network("kinvm-new", cluster: "new").ensure(
                    Self.definition(name: "kinvm-new", cluster: "new", cidr: "192.168.122.0/25"))
            }
            #expect(try await host.connection.networkIfPresent(named: "kinvm-new") == nil)
            await expectProvisionerError(.inUse, containing: ["overlaps 192.168.150.0/24 of network 'kinvm-lab'"]) {
                try await host.network("kinvm-two", cluster: "two").ensure(
                    Self.definition(name: "kinvm-two", cluster: "two", cidr: "192.168.150.0/23"))
            }
            await expectProvisionerError(.invalidArgument, containing: ["was given to network 'kinvm-lab'"]) {
                try await host.network().ensure(Self.definition(name: "kinvm-else"))
            }
            // The foreign network is untouched by the refusals and by delete.
            await expectProvisionerError(.notOwned, containing: ["not created by kinvm"]) {
                try await host.network("kinvm-taken").delete()
            }
            await expectProvisionerError(.notOwned, containing: ["belongs to kinvm cluster 'lab'"]) {
                try await host.network(cluster: "other").reserve([.forNode("x", ip: ip(10))])
            }
            #expect(try await host.connection.networkIfPresent(named: "kinvm-taken") != nil)
        }
    }

    @Test("reserve adds, is idempotent, modifies a changed address; release removes and is idempotent")
    func reserveAndRelease() async throws {
        try await Self.withHost { host in
            let lab = host.network()
            _ = try await lab.ensure(Self.definition())
            let allocation = try AddressAllocator.allocate(
                in: try IPv4Network(cidr: "192.168.150.0/24"), existing: [], wanted: ["lab-cp-1", "lab-w-1"])
            #expect(try await lab.reserve(allocation.reservations) == allocation.reservations)
            #expect(try await lab.state()?.reservations == allocation.reservations)
            let xml = try await host.connection.network(named: "kinvm-lab").xml()
            let mac = MACAddress.derived(guest: "lab-w-1", nicIndex: 0)
            #expect(xml.contains("<host mac='\(mac)' name='lab-w-1' ip='192.168.150.11'/>"), "\(xml)")

            #expect(try await lab.reserve(allocation.reservations).isEmpty)

            let moved = DHCPReservation.forNode("lab-w-1", ip: ip(20))
            #expect(try await lab.reserve([moved]) == [moved])
            #expect(try await lab.state()?.reservations == [allocation.reservations[0], moved])

            await expectProvisionerError(.inUse, containing: ["192.168.150.10 for lab-w-2", "reserved for lab-cp-1"]) {
                try await lab.reserve([.forNode("lab-w-2", ip: ip(10))])
            }
            await expectProvisionerError(.invalidArgument, containing: ["192.168.150.5 for lab-w-2 is not a node address"]) {
                try await lab.reserve([.forNode("lab-w-2", ip: ip(5))])
            }
            await expectProvisionerError(.invalidArgument, containing: ["needs a node name and a MAC"]) {
                try await lab.reserve([DHCPReservation(node: "lab-w-2", mac: "52:54:00:zz:00:01", ip: ip(30))])
            }

            #expect(try await lab.release(nodes: ["lab-w-1", "lab-w-9"]) == ["lab-w-1"])
            #expect(try await lab.release(nodes: ["lab-w-1"]).isEmpty)
            #expect(try await lab.state()?.reservations == [allocation.reservations[0]])
            #expect(try await host.network("kinvm-gone").release(nodes: ["x"]).isEmpty)
            await expectProvisionerError(.notFound, containing: ["network 'kinvm-gone' of cluster 'lab' does not exist"]) {
                try await host.network("kinvm-gone").reserve([.forNode("x", ip: ip(10))])
            }
        }
    }

    @Test("reservations on a stopped network go into its definition and are served once it starts")
    func reserveWhileStopped() async throws {
        try await Self.withHost { host in
            let lab = host.network()
            _ = try await lab.ensure(Self.definition())
            try await host.connection.network(named: "kinvm-lab").destroy()
            let reservation = DHCPReservation.forNode("lab-cp-1", ip: ip(10))
            #expect(try await lab.reserve([reservation]) == [reservation])
            #expect(try await lab.reserve([reservation]).isEmpty)
            let state = try await lab.ensure(Self.definition())
            #expect(state.isActive)
            #expect(state.reservations == [reservation])
        }
    }

    @Test("setSpec replaces the spec and TTL, keeping the reservations, the UUID and everything else")
    func setSpec() async throws {
        try await Self.withHost { host in
            let lab = host.network()
            let before = try await lab.ensure(Self.definition())
            let reservation = DHCPReservation.forNode("lab-cp-1", ip: ip(10))
            try await lab.reserve([reservation])
            let yaml = "kind: Cluster\nspec:\n  pools: [{name: w, count: 3}]  # <&>\n"
            try await lab.setSpec(yaml: yaml, ttlSeconds: nil)
            let after = try #require(try await lab.state())
            // The generation moves on to the time of the write (milliseconds), so that the newest of
            // a cluster's records on several hosts wins.
            let generation = try #require(after.metadata?.generation)
            #expect(generation > (before.metadata?.generation ?? .max) && generation >= 1_795_000_000_000)
            #expect(
                after.metadata
                    == ClusterNetworkMetadata(cluster: "lab", created: "2026-11-29T05:00:00Z", ttlSeconds: nil, spec: yaml, generation: generation))
            #expect(after.uuid == before.uuid)
            #expect(after.reservations == [reservation])
            #expect(after.isActive && after.autostart)
            await expectProvisionerError(.notOwned, containing: ["belongs to kinvm cluster 'lab'"]) {
                try await host.network(cluster: "other").setSpec(yaml: "x", ttlSeconds: nil)
            }
        }
    }

    @Test("delete removes a running, a stopped or a defined-only network, and is idempotent")
    func delete() async throws {
        try await Self.withHost { host in
            let lab = host.network()
            _ = try await lab.ensure(Self.definition())
            try await lab.reserve([.forNode("lab-cp-1", ip: ip(10))])
            try await lab.delete()
            #expect(try await host.connection.networkIfPresent(named: "kinvm-lab") == nil)
            try await lab.delete()

            _ = try await host.connection.defineNetwork(xml: ClusterNetworkXML.render(Self.definition()))
            try await lab.delete()
            #expect(try await host.connection.networkIfPresent(named: "kinvm-lab") == nil)
            #expect(try await ClusterNetwork.list(on: host.connection).isEmpty)
            #expect(try await host.connection.networkIfPresent(named: "default") != nil)
        }
    }
}
