import Foundation
import KinvmTestSupport
import KubeStandIn
import Testing

/// `kinvm node list|resize|remove --hosts FILE`: node guests on several libvirt hosts (test-driver
/// host files; each CLI run loads them anew), one API server (the stand-in), a host that never
/// answers.
@Suite("kinvm node over several hosts (real binary, test driver)")
struct NodeHostsCLITests {
    static let kubectlBinary = URL(fileURLWithPath: "/usr/bin/kubectl")

    let directory: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-node-hosts-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// A test-driver host file with kinvm node guests joined to `apiServer` (and `foreign`, a
    /// domain kinvm did not create); returns its URI.
    func host(_ name: String, nodes: [String], apiServer: String) throws -> String {
        let domains = (nodes + ["foreign-\(name)"]).enumerated().map { index, guest in
            let owned = guest.hasPrefix("foreign") ? "" : """
                <metadata><kinvm:instance xmlns:kinvm="https://kinvm.dev/xmlns/kinvm/1" owner="kinvm" cluster="lab" \
                role="worker" pool="p" created="2026-01-01T00:00:00Z" join="kubeadm" api-server="\(apiServer)"/></metadata>
                """
            return TestDriverHost.domain(
                name: guest, mac: "52:54:00:00:\(String(format: "%02x", name.count)):\(String(format: "%02x", index))", metadata: owned)
        }
        let xml = TestDriverHost.document(domains)
        let path = "\(directory)/\(name).xml"
        try xml.write(toFile: path, atomically: true, encoding: .utf8)
        return "test://\(path)"
    }

    func hostsFile(_ hosts: [(String, String)], name: String = "hosts.yaml") throws -> String {
        let path = "\(directory)/\(name)"
        try ("hosts:\n" + hosts.map { "  - {name: \($0.0), uri: \"\($0.1)\"}" }.joined(separator: "\n") + "\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Registers a Ready Node object per name, as a kubelet would.
    func registerNodes(_ names: [String], kubeconfig: String) async throws {
        for name in names {
            let node = """
                {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "\(name)", "labels": {"kinvm.dev/pool": "p"}},
                 "status": {"capacity": {"cpu": "1", "memory": "524288Ki", "pods": "110"},
                            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}]}}
                """
            let created = try await CLIRunner.runDetached(
                ["--kubeconfig", kubeconfig, "create", "--validate=false", "-f", "-"], executable: Self.kubectlBinary, input: node)
            #expect(created.status == 0, "\(created.stderr)")
        }
    }

    static func array(_ text: String) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]], "not a JSON array: \(text)")
    }

    @Test("list shows each node's host (HOST column, guest.host in JSON); a dead host is reported with exit 1 and the rest listed; remove finds each guest's host; a name on no host touches nothing")
    func overHosts() async throws {
        let server = try await StandInAPIServer.start(StandInConfiguration())
        defer {
            Task { try? await server.shutdown() }
            try? FileManager.default.removeItem(atPath: directory)
        }
        let kubeconfig = "\(directory)/admin.conf"
        try server.adminKubeconfig().write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        try await registerNodes(["w-1", "w-2", "w-3"], kubeconfig: kubeconfig)
        let h1 = try host("h1", nodes: ["w-1", "w-3"], apiServer: server.url)
        let h2 = try host("h2", nodes: ["w-2"], apiServer: server.url)
        let hosts = try hostsFile([("h1", h1), ("h2", h2)])

        let listed = try Self.array(
            try await CLIRunner.runDetached(["node", "list", "--hosts", hosts, "--kubeconfig", kubeconfig, "-o", "json"]).stdout)
        #expect(listed.map { $0["name"] as? String } == ["w-1", "w-2", "w-3"])
        #expect(listed.map { ($0["guest"] as? [String: Any])?["host"] as? String } == ["h1", "h2", "h1"])
        #expect(listed.allSatisfy { $0["nodeStatus"] as? String == "Ready" }, "\(listed)")

        let table = try await CLIRunner.runDetached(["node", "list", "--kubeconfig", kubeconfig], environment: ["KINVM_HOSTS": hosts])
        #expect(table.status == 0, "\(table.stderr)")
        let rows = table.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(rows.first?.prefix(3) == ["NAME", "HOST", "STATUS"], "\(table.stdout)")
        #expect(rows.dropFirst().map { Array($0.prefix(3)) } == [["w-1", "h1", "Ready"], ["w-2", "h2", "Ready"], ["w-3", "h1", "Ready"]])

        // One host does not answer: reported, exit 1, the others listed.
        let withDead = try hostsFile(
            [("h1", h1), ("dead", "qemu+unix:///system?socket=\(directory)/no-such-socket"), ("h2", h2)], name: "dead.yaml")
        let partial = try await CLIRunner.runDetached(["node", "list", "--hosts", withDead, "--kubeconfig", kubeconfig, "-o", "json"])
        #expect(partial.status == 1)
        #expect(partial.stderr.contains("host dead"), "\(partial.stderr)")
        #expect(try Self.array(partial.stdout).map { $0["name"] as? String } == ["w-1", "w-2", "w-3"])

        // A name no host has: refused before anything is touched, naming the host not asked.
        let ghost = try await CLIRunner.runDetached(["node", "remove", "w-2", "ghost", "--hosts", withDead, "--kubeconfig", kubeconfig])
        #expect(ghost.status == 1)
        #expect(ghost.stderr.contains("no reachable host has a guest named 'ghost'") && ghost.stderr.contains("not asked: host dead"), "\(ghost.stderr)")
        #expect(try await CLIRunner.runDetached(
            ["--kubeconfig", kubeconfig, "get", "node", "w-2"], executable: Self.kubectlBinary).status == 0, "w-2's Node was touched")
        // A domain kinvm did not create is refused on its host.
        let foreign = try await CLIRunner.runDetached(["node", "remove", "foreign-h2", "--hosts", hosts, "--kubeconfig", kubeconfig])
        #expect(foreign.status == 1)
        #expect(foreign.stderr.contains("foreign-h2"), "\(foreign.stderr)")

        // remove over hosts: w-2 is found on h2, drained (nothing to evict), its Node deleted.
        let removed = try await CLIRunner.runDetached(["node", "remove", "w-2", "w-3", "--hosts", hosts, "--kubeconfig", kubeconfig])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(removed.stdout.contains("w-2 removed") && removed.stdout.contains("w-3 removed"), "\(removed.stdout)")
        let nodes = try await CLIRunner.runDetached(
            ["--kubeconfig", kubeconfig, "get", "nodes", "-o", "name"], executable: Self.kubectlBinary)
        #expect(nodes.stdout.split(separator: "\n") == ["node/w-1"], "\(nodes.stdout)")
    }
}
