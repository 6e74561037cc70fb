import Foundation
import KinvmTestSupport
import Testing

/// `kinvm cluster create --dry-run` on one host (a test-driver host file: 4 CPUs, 8 GiB, one kinvm
/// guest of another cluster holding 2 vCPUs and 1 GiB at its ceilings): the planned nodes count
/// against the host as they do on several hosts, and a spec that does not fit is refused.
@Suite("kinvm cluster create --dry-run on one host (real binary, test driver)")
struct ClusterCreateDryRunCLITests {
    let directory: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-create-dry-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// The host file's URI.
    func host() throws -> String {
        let metadata = """
            <metadata><kinvm:instance xmlns:kinvm="https://kinvm.dev/xmlns/kinvm/1" owner="kinvm" cluster="other" \
            role="worker" pool="p" created="2026-01-01T00:00:00Z"/></metadata>
            """
        let path = "\(directory)/host.xml"
        try TestDriverHost.document([TestDriverHost.domain(name: "other-p-1", mac: "52:54:00:00:09:01", metadata: metadata)])
            .write(toFile: path, atomically: true, encoding: .utf8)
        return "test://\(path)"
    }

    /// A one-host spec: a control plane of 2 vCPUs and 2 GiB, and `workers` as given.
    func spec(workers: String) throws -> String {
        let path = "\(directory)/lab-\(UUID().uuidString.prefix(8)).yaml"
        try """
            apiVersion: kinvm.dev/v1alpha1
            kind: Cluster
            metadata: {name: lab}
            spec:
              kubernetes: {distribution: k3s}
              image: default/debian-12.qcow2
              network: {mode: nat, cidr: 192.168.150.0/24}
              controlPlane: {vcpus: 2, memory: 2GiB}
              pools:
                - {name: workers, \(workers)}

            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a spec that fits shows each node on the host and the host's figures with the planned nodes reserved")
    func fits() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let uri = try host()
        let spec = try spec(workers: "count: 2, vcpus: 1, maxVCPUs: 2, memory: 1GiB, maxMemory: 2GiB")
        let text = try CLIRunner.run(["cluster", "create", "-f", spec, "--dry-run", "-c", uri])
        #expect(text.status == 0, "stderr: \(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        for node in ["lab-cp-1 control-plane localhost 192.168.150.10", "lab-workers-1 workers localhost 192.168.150.11", "lab-workers-2 workers localhost 192.168.150.12"] {
            #expect(lines.contains(node), "no line '\(node)' in:\n\(text.stdout)")
        }
        // 2 + 2 + 2 + 2 vCPUs and 1 + 2 + 2 + 2 GiB (the other cluster's guest and the three nodes);
        // available: min(8 GiB total − 7 GiB reserved, 8 GiB free − 6 GiB planned) = 1 GiB.
        #expect(lines.contains("localhost 8 vCPU, 7.0 GiB 1.0 GiB"), "\(text.stdout)")

        let json = try CLIRunner.run(["cluster", "create", "-f", spec, "--dry-run", "-c", uri, "-o", "json"])
        #expect(json.status == 0, "stderr: \(json.stderr)")
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let hosts = try #require(plan["hosts"] as? [[String: Any]])
        #expect(hosts.count == 1)
        #expect(hosts.first?["reservedVCPUs"] as? Int == 8)
        #expect(hosts.first?["reservedMemoryBytes"] as? Int == 7 << 30)
        #expect(hosts.first?["kinvmGuests"] as? Int == 4)
        let nodes = try #require(plan["nodes"] as? [[String: Any]])
        #expect(nodes.map { $0["host"] as? String } == ["localhost", "localhost", "localhost"])
    }

    @Test(
        "a spec that does not fit exits 1 with the reason, prints no plan and creates nothing",
        arguments: [
            (
                "count: 3, vcpus: 1, maxVCPUs: 4, memory: 1GiB, maxMemory: 3GiB",
                """
                kinvm: cannot place node lab-workers-2 (4 vCPUs, 3 GiB of memory) on any host:
                  localhost: 2 GiB of memory available (total 8 GiB, 6 GiB reserved by 1 kinvm guest and 2 nodes placed by this plan, 3 GiB free)
                """
            ),
            (
                "count: 1, vcpus: 6, memory: 1GiB",
                """
                kinvm: cannot place node lab-workers-1 (6 vCPUs, 1 GiB of memory) on any host:
                  localhost: the node needs 6 vCPUs and the host has 4 CPUs
                """
            ),
        ])
    func refused(workers: String, reason: String) throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let uri = try host()
        let spec = try spec(workers: workers)
        let dryRun = try CLIRunner.run(["cluster", "create", "-f", spec, "--dry-run", "-c", uri])
        #expect(dryRun.status == 1)
        #expect(dryRun.stderr == reason + "\n")
        #expect(dryRun.stdout.isEmpty)
        // The real create refuses the same way before it makes anything (the network comes first).
        let create = try CLIRunner.run(["cluster", "create", "-f", spec, "-c", uri])
        #expect(create.status == 1)
        #expect(create.stderr == reason + "\n", "stderr: \(create.stderr)")
    }
}
