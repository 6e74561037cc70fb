import DomainTemplates
import Foundation
import Libvirt
import Testing

@testable import Provisioner

/// The cluster manager's libvirt side on the test driver: list, delete of a half-made cluster
/// (guests by metadata, volumes an interrupted create left, the network), and TTL expiry.
@Suite("ClusterManager on the test driver")
struct ClusterManagerTests {
    static func spec(_ name: String = "lab", ttl: String? = nil) throws -> ClusterSpec {
        try ClusterSpec.parse(
            """
            apiVersion: kinvm.dev/v1alpha1
            kind: Cluster
            metadata: {name: \(name)}
            spec:
              kubernetes: {distribution: k3s}
              image: images/base.qcow2
              network: {mode: nat, cidr: 192.168.150.0/24}
              controlPlane: {count: 1, vcpus: 1, memory: 256MiB}
              pools:
                - {name: workers, count: 2, vcpus: 1, maxVCPUs: 2, memory: 256MiB, maxMemory: 512MiB}
            \(ttl.map { "  ttl: \($0)" } ?? "")
            """)
    }

    /// The network of `spec` with its record and reservations (created `age` ago), and the guests
    /// named, made as kinvm nodes of the cluster.
    static func make(_ spec: ClusterSpec, on host: GuestHost, guests: [String], age: TimeInterval = 0) async throws {
        let allocation = try AddressAllocator.allocate(in: spec.network.cidr, existing: [], wanted: spec.desiredNodes.map(\.name))
        try await ClusterNetwork(name: spec.network.name, cluster: spec.name, on: host.connection).ensure(
            ClusterNetworkDefinition(
                name: spec.network.name, cidr: spec.network.cidr, mode: .nat,
                metadata: ClusterNetworkMetadata(
                    cluster: spec.name, created: ClusterNetworkMetadata.timestamp(Date().addingTimeInterval(-age)), ttlSeconds: spec.ttl,
                    spec: spec.yaml()),
                reservations: allocation.reservations))
        for name in guests {
            let node = try #require(spec.desiredNodes.first { $0.name == name })
            var request = host.request(name)
            request.metadata = spec.metadata(for: node, created: ClusterNetworkMetadata.timestamp(Date()))
            _ = try await host.create(request)
        }
    }

    @Test("list shows a cluster from its network and guests; one with only guests left is broken")
    func list() async throws {
        let host = try await GuestHost.open()
        defer { Task { await host.remove() } }
        let spec = try Self.spec(ttl: "2h")
        try await Self.make(spec, on: host, guests: ["lab-cp-1", "lab-workers-1"])
        var other = host.request("old-workers-1")
        other.metadata = KinvmMetadata(cluster: "old", role: "worker", pool: "workers")
        _ = try await host.create(other)

        let manager = ClusterManager(guests: host.manager, templateSearchPath: [])
        let clusters = try await manager.list()
        #expect(clusters.map(\.name) == ["lab", "old"])
        let lab = clusters[0]
        #expect(lab.network == "kinvm-lab" && lab.cidr == "192.168.150.0/24" && lab.distribution == "k3s")
        #expect(lab.wanted == ["control-plane": 1, "workers": 2])
        #expect(lab.nodes.map(\.name) == ["lab-cp-1", "lab-workers-1"])
        #expect(lab.nodes.map(\.ip) == ["192.168.150.10", "192.168.150.11"])
        #expect(lab.nodes.map(\.role) == ["control-plane", "worker"])
        #expect(lab.apiServer == "https://192.168.150.10:6443")
        #expect(lab.status == "incomplete")
        #expect(lab.ttlSeconds == 7200 && lab.expires != nil)
        #expect(clusters[1].status == "broken" && clusters[1].network == nil)
    }

    @Test("delete removes the guests, the volumes an interrupted create left and the network; other clusters stay")
    func deleteHalfMade() async throws {
        let host = try await GuestHost.open()
        defer { Task { await host.remove() } }
        let before = try await host.snapshot()
        let spec = try Self.spec()
        try await Self.make(spec, on: host, guests: ["lab-cp-1", "lab-workers-1"])
        // A create killed after making lab-workers-2's volumes, before defining it.
        try await host.createVolume("lab-workers-2-root.qcow2", format: "qcow2")
        try await host.createVolume("lab-workers-2-seed.iso", format: "raw")
        // Not the cluster's: another cluster's guest and a volume that only looks alike.
        var other = host.request("old-workers-1")
        other.metadata = KinvmMetadata(cluster: "old", role: "worker", pool: "workers")
        _ = try await host.create(other)
        try await host.createVolume("lab-notes.txt-root.qcow2", format: "raw")
        let withOthers = try await host.snapshot()

        let manager = ClusterManager(guests: host.manager, templateSearchPath: [])
        let deletion = try await manager.delete("lab")
        #expect(deletion.guests.map(\.name) == ["lab-cp-1", "lab-workers-1"])
        #expect(deletion.orphanVolumes == ["images/lab-workers-2-root.qcow2", "images/lab-workers-2-seed.iso"])
        #expect(deletion.network == "kinvm-lab")
        #expect(try await host.connection.networkIfPresent(named: "kinvm-lab") == nil)
        let after = try await host.snapshot()
        let expected = withOthers.filter { item in
            !["domain lab-", "volume images/lab-cp-1-", "volume images/lab-workers-"].contains { item.hasPrefix($0) }
        }
        #expect(after == expected)
        #expect(after.contains { $0.contains("old-workers-1") })
        #expect(after.contains("volume images/lab-notes.txt-root.qcow2"))
        #expect(before.allSatisfy(after.contains))
        _ = await expectProvisionerError(.notFound, containing: ["no cluster 'lab'"]) { _ = try await manager.delete("lab") }
    }

    @Test("a cluster whose network is already gone is still deleted through its guests' metadata")
    func deleteWithoutNetwork() async throws {
        let host = try await GuestHost.open()
        defer { Task { await host.remove() } }
        let before = try await host.snapshot()
        let spec = try Self.spec()
        try await Self.make(spec, on: host, guests: ["lab-cp-1"])
        try await ClusterNetwork(name: "kinvm-lab", cluster: "lab", on: host.connection).delete()
        let deletion = try await ClusterManager(guests: host.manager, templateSearchPath: []).delete("lab")
        #expect(deletion.guests.map(\.name) == ["lab-cp-1"] && deletion.network == nil)
        #expect(try await host.snapshot() == before)
    }

    @Test("gc finds clusters past their TTL only")
    func expiry() async throws {
        let host = try await GuestHost.open()
        defer { Task { await host.remove() } }
        try await Self.make(try Self.spec("old", ttl: "1h"), on: host, guests: [], age: 7200)
        try await Self.make(
            try Self.spec("young", ttl: "3h").with { $0.network.cidr = try IPv4Network(cidr: "192.168.151.0/24") }, on: host, guests: [],
            age: 7200)
        try await Self.make(
            try Self.spec("forever").with { $0.network.cidr = try IPv4Network(cidr: "192.168.152.0/24") }, on: host, guests: [], age: 1e6)
        let expired = try await ClusterManager(guests: host.manager, templateSearchPath: []).expiredClusters()
        #expect(expired.map(\.cluster) == ["old"])
        #expect(expired.first?.ttlSeconds == 3600)
    }
}

extension ClusterSpec {
    /// A copy changed by `change`.
    func with(_ change: (inout ClusterSpec) throws -> Void) rethrows -> ClusterSpec {
        var copy = self
        try change(&copy)
        return copy
    }
}
