import Foundation
import Libvirt
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Two `kinvm` processes working on one cluster at once, on the real libvirtd of the test run's
/// network namespace (scripts/test.sh): the cluster's lease lets one through at a time, the other
/// waits (or, past --lease-wait, says who holds it), and a holder killed with SIGKILL is taken
/// over at once. The cluster is a record only (an inactive network): no guest boots.
@Suite(
    "Concurrent kinvm runs on one cluster (real binary, real libvirtd)",
    .enabled(if: ProcessInfo.processInfo.environment["KINVM_TEST_NETNS_URI"] != nil))
struct LeaseRaceCLITests {
    static var uri: String { ProcessInfo.processInfo.environment["KINVM_TEST_NETNS_URI"] ?? "" }
    let cluster = "race\(UUID().uuidString.prefix(6).lowercased())"
    /// `cluster delete` edits the kubeconfig: a scratch one, never the user's.
    var environment: [String: String] { ["KUBECONFIG": NSTemporaryDirectory() + "/kinvm-lease-race-\(cluster).kubeconfig"] }

    /// The cluster's record: an inactive network with kinvm's metadata, as `cluster create` leaves
    /// it before any guest.
    func makeRecord(_ connection: Connection) async throws {
        let spec = """
            apiVersion: kinvm.dev/v1alpha1
            kind: Cluster
            metadata: {name: \(cluster)}
            spec:
              kubernetes: {distribution: k3s}
              image: images/base.qcow2
              network: {mode: isolated, cidr: 10.252.77.0/24}
              controlPlane: {vcpus: 1, memory: 512MiB}
            """
        _ = try await connection.defineNetwork(
            xml: """
                <network><name>kinvm-\(cluster)</name>
                <metadata><kinvm:cluster xmlns:kinvm="https://kinvm.dev/xmlns/kinvm/1" owner="kinvm" name="\(cluster)" \
                created="2026-12-07T00:00:00Z" generation="1"><kinvm:spec>\(spec)</kinvm:spec></kinvm:cluster></metadata>
                <ip address="10.252.77.1" netmask="255.255.255.0"><dhcp/></ip></network>
                """)
    }

    func leftovers(_ connection: Connection) async throws -> [String] {
        try await connection.allNetworks().map(\.name).filter { $0.contains(cluster) }.sorted()
    }

    @Test("two deletes racing, 15 times: exactly one deletes, the other waits and finds nothing; no lease is left")
    func racingDeletes() async throws {
        let connection = try await Connection.open(Self.uri)
        for round in 0..<15 {
            try await makeRecord(connection)
            async let first = CLIRunner.runDetached(["cluster", "delete", cluster, "--lease-wait", "60s", "-c", Self.uri], environment: environment)
            async let second = CLIRunner.runDetached(["cluster", "delete", cluster, "--lease-wait", "60s", "-c", Self.uri], environment: environment)
            let results = try await [first, second]
            let deleted = results.filter { $0.status == 0 && $0.stdout.hasPrefix("deleted cluster \(cluster)") }
            let missing = results.filter { $0.status == 1 && $0.stderr.contains("no cluster '\(cluster)'") }
            #expect(deleted.count == 1 && missing.count == 1, "round \(round): \(results.map { "\($0.status) \($0.stdout) \($0.stderr)" })")
            #expect(try await leftovers(connection) == [], "round \(round)")
        }
        await connection.close()
    }

    @Test("a run holding the lease makes another wait or fail naming it; killed with SIGKILL, it is taken over at once")
    func heldThenKilled() async throws {
        let connection = try await Connection.open(Self.uri)
        try await makeRecord(connection)
        let pause = NSTemporaryDirectory() + "/kinvm-lease-pause-\(cluster)"
        let holder = Process()
        holder.executableURL = CLIRunner.binary
        holder.arguments = ["cluster", "delete", cluster, "-c", Self.uri]
        var holderEnvironment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        holderEnvironment["KINVM_PAUSE_AT"] = "cluster.lease-taken:\(cluster)"
        holderEnvironment["KINVM_PAUSE_FILE"] = pause
        holder.environment = holderEnvironment
        holder.standardOutput = FileHandle.nullDevice
        holder.standardError = FileHandle.nullDevice
        try holder.run()
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: pause), Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        #expect(FileManager.default.fileExists(atPath: pause), "the holder never took the lease")

        let refused = try await CLIRunner.runDetached(["cluster", "delete", cluster, "--lease-wait", "2s", "-c", Self.uri], environment: environment)
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("is being changed by kinvm pid \(holder.processIdentifier)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("`cluster delete`"), "\(refused.stderr)")
        #expect(try await leftovers(connection).contains("kinvm-\(cluster)"), "nothing was deleted while the lease was held")

        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        // The holder's lease holds for 60 s after its last renewal; waiting at most 20 s, the
        // takeover can only come from seeing the holder dead.
        let takeover = try await CLIRunner.runDetached(["cluster", "delete", cluster, "--lease-wait", "20s", "-c", Self.uri], environment: environment)
        #expect(takeover.status == 0 && takeover.stdout.hasPrefix("deleted cluster \(cluster)"), "\(takeover.stdout)\n\(takeover.stderr)")
        #expect(try await leftovers(connection) == [])
        try? FileManager.default.removeItem(atPath: pause)
        await connection.close()
    }
}
