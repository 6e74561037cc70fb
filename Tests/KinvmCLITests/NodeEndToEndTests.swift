import Foundation
import KinvmTestSupport
import KubeStandIn
import LibXML2
import Libvirt
import Testing

/// Two real Debian guests (TCG, user-mode NICs) join the stand-in API server through the real
/// `kinvm` binary: `node add` (kubeadm discovery with a bootstrap token and the CA pin, checked by
/// the stand-in kubeadm in the guest; kubelet TLS bootstrap, heartbeats), `node list`, a live
/// `node resize` whose new capacity the kubelet reports, and `node remove` of a node whose pod a
/// disruption budget protects until a replacement is healthy elsewhere. `kubectl` is the
/// independent check of what the API holds.
@Suite(
    "kinvm node end to end (stand-in control plane, real libvirtd)",
    .enabled(if: EndToEnd.enabled && ProcessInfo.processInfo.environment["KINVM_NODE_IMAGE"] != nil),
    .timeLimit(.minutes(60)))
struct NodeEndToEndTests {
    static var environment: [String: String] { EndToEnd.environment }
    static var uri: String { EndToEnd.uri }
    static let kubectlBinary = URL(fileURLWithPath: "/usr/bin/kubectl")

    let prefix = "kn-\(UUID().uuidString.prefix(5).lowercased())"
    var poolName: String { "\(prefix)-pool" }
    var nodeA: String { "\(prefix)-a" }
    var nodeB: String { "\(prefix)-b" }

    @discardableResult
    func kinvm(_ arguments: [String], expect status: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> CLIRunner.Result
    {
        try await EndToEnd.kinvm(arguments, expect: status, sourceLocation: sourceLocation)
    }

    @discardableResult
    func kubectl(_ arguments: [String], kubeconfig: String, input: String? = nil, expect status: Int32 = 0) async throws
        -> CLIRunner.Result
    {
        let result = try await CLIRunner.runDetached(
            ["--kubeconfig", kubeconfig] + arguments, executable: Self.kubectlBinary, input: input)
        #expect(
            result.status == status,
            "kubectl \(arguments.joined(separator: " ")) exited \(result.status)\nstdout: \(result.stdout)\nstderr: \(result.stderr)")
        return result
    }

    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    func array(_ text: String) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]], "not a JSON array: \(text)")
    }

    @Test("node add 2 → Ready; node resize live and by restart → capacity follows; node remove drains past a budget; nothing left")
    func lifecycle() async throws {
        try await GuestSlots.withSlots(2, for: "node end to end", minutes: 10) {
            let base = (Self.environment["KINVM_TEST_WORKDIR"] ?? "/var/tmp/kinvm-test") + "/\(prefix)"
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
            let server = try await StandInAPIServer.start(StandInConfiguration())
            let kubeconfig = "\(base)/admin.conf"
            try server.adminKubeconfig().write(toFile: kubeconfig, atomically: true, encoding: .utf8)
            let connection = try await Connection.open(Self.uri)
            let pool = try await makePool(path: "\(base)/pool", on: connection)
            let names = [nodeA, nodeB]
            defer {
                Task {
                    for name in names {
                        if let domain = try? await connection.domainIfPresent(named: name) {
                            try? await domain.destroy()
                            try? await domain.undefine()
                        }
                    }
                    for volume in (try? await pool.allVolumes()) ?? [] { try? await volume.delete() }
                    try? await pool.destroy()
                    try? await pool.undefine()
                    await connection.close()
                    try? await server.shutdown()
                }
            }
            do {
                try await scenario(server: server, kubeconfig: kubeconfig, pool: pool, connection: connection)
            } catch {
                for name in names {
                    let console = try? await CLIRunner.runDetached(["vm", "console", name, "--tail", "60", "-c", Self.uri])
                    Issue.record("console of \(name):\n\(console?.stdout ?? "-")")
                }
                throw error
            }
        }
    }

    private func scenario(server: StandInAPIServer, kubeconfig: String, pool: StoragePool, connection: Connection) async throws {
        let environment = Self.environment
        let image = try #require(environment["KINVM_NODE_IMAGE"])
        try await kinvm(["image", "import", image, "--pool", poolName, "--name", "node.qcow2"])

        // node add: two workers at once, joined through kubeadm discovery.
        let added = try array(
            try await kinvm([
                "node", "add", nodeA, nodeB, "--pool", "e2e", "--image", "\(poolName)/node.qcow2", "--storage-pool", poolName,
                "--virt-type", "qemu", "--vcpus", "1", "--max-vcpus", "2", "--memory", "640MiB", "--max-memory", "1GiB",
                "--network", "user", "--kernel", environment["KINVM_NODE_KERNEL"] ?? "",
                "--initrd", environment["KINVM_NODE_INITRD"] ?? "",
                "--cmdline", environment["KINVM_NODE_CMDLINE"] ?? "root=/dev/vda rw console=ttyS0",
                "--kubeconfig", kubeconfig, "--join-endpoint", "10.0.2.2:\(server.port)",
                "--labels", "tier=e2e,node-role.kubernetes.io/worker=", "--taints", "e2e=yes:PreferNoSchedule",
                "--wait", "20m", "-o", "json",
            ]).stdout)
        #expect(added.map { $0["name"] as? String } == [nodeA, nodeB])
        #expect(added.allSatisfy { $0["nodeStatus"] as? String == "Ready" })

        // kubectl sees both, Ready, labelled, annotated, tainted, with the kubelet's capacity.
        let nodes = try object(try await kubectl(["get", "nodes", "-o", "json"], kubeconfig: kubeconfig).stdout)
        let items = try #require(nodes["items"] as? [[String: Any]])
        #expect(Set(items.compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }) == [nodeA, nodeB])
        for item in items {
            let metadata = try #require(item["metadata"] as? [String: Any])
            let labels = try #require(metadata["labels"] as? [String: String])
            #expect(labels["tier"] == "e2e")
            #expect(labels["node-role.kubernetes.io/worker"] == "")
            #expect(labels["kinvm.dev/pool"] == "e2e")
            let annotations = try #require(metadata["annotations"] as? [String: String])
            #expect(annotations["kinvm.dev/host"] == Self.uri)
            let name = try #require(metadata["name"] as? String)
            let uuid = try await connection.domain(named: name).uuid
            #expect(annotations["kinvm.dev/domain-uuid"] == uuid)
            let spec = item["spec"] as? [String: Any]
            let taints = spec?["taints"] as? [[String: Any]] ?? []
            #expect(taints.contains { $0["key"] as? String == "e2e" && $0["effect"] as? String == "PreferNoSchedule" })
            let status = try #require(item["status"] as? [String: Any])
            #expect((status["capacity"] as? [String: String])?["cpu"] == "1")
            let conditions = status["conditions"] as? [[String: Any]] ?? []
            #expect(conditions.contains { $0["type"] as? String == "Ready" && $0["status"] as? String == "True" })
        }
        // The bootstrap token served its purpose and is gone.
        let secrets = try object(try await kubectl(["get", "secrets", "-n", "kube-system", "-o", "json"], kubeconfig: kubeconfig).stdout)
        #expect((secrets["items"] as? [[String: Any]] ?? []).allSatisfy { $0["type"] as? String != "bootstrap.kubernetes.io/token" })

        let listed = try array(try await kinvm(["node", "list", "--kubeconfig", kubeconfig, "-o", "json"]).stdout)
        #expect(Set(listed.compactMap { $0["name"] as? String }) == [nodeA, nodeB])
        #expect(listed.allSatisfy { $0["nodeStatus"] as? String == "Ready" })

        // node resize, live: 1 GiB through the balloon, in the guest and in the Node's capacity.
        let resized = try object(
            try await kinvm(["node", "resize", nodeA, "--memory", "1GiB", "--kubeconfig", kubeconfig, "-o", "json"]).stdout)
        #expect(resized["method"] as? String == "live")
        let nodeAfter = try object(try await kubectl(["get", "node", nodeA, "-o", "json"], kubeconfig: kubeconfig).stdout)
        let capacity = try #require((nodeAfter["status"] as? [String: Any])?["capacity"] as? [String: String])
        #expect(capacity["cpu"] == "1")
        let memoryKi = Int(capacity["memory"]?.replacingOccurrences(of: "Ki", with: "") ?? "") ?? 0
        #expect(memoryKi > 900 * 1024, "memory capacity after the resize: \(capacity)")

        // A second vCPU for a TCG guest (QEMU can abort it on a hot-plug), and less memory: cordon,
        // drain, graceful stop, change, start, Ready with the new capacity, uncordon.
        let restarted = try object(
            try await kinvm(["node", "resize", nodeA, "--vcpus", "2", "--memory", "768MiB", "--kubeconfig", kubeconfig, "-o", "json"]).stdout)
        #expect(restarted["method"] as? String == "restart")
        #expect((restarted["resize"] as? [String: Any])?["restarted"] as? Bool == true)
        let afterRestart = try object(try await kubectl(["get", "node", nodeA, "-o", "json"], kubeconfig: kubeconfig).stdout)
        #expect(((afterRestart["status"] as? [String: Any])?["capacity"] as? [String: String])?["cpu"] == "2")
        #expect((afterRestart["spec"] as? [String: Any])?["unschedulable"] as? Bool != true, "left cordoned: \(afterRestart)")
        #expect(try await kinvm(["vm", "exec", nodeA, "--", "nproc"]).stdout == "2\n")

        // kubectl can cordon and uncordon a kinvm node (what a real cluster answers).
        try await kubectl(["cordon", nodeA], kubeconfig: kubeconfig)
        #expect(try await kubectl(["get", "node", nodeA, "-o", "jsonpath={.spec.unschedulable}"], kubeconfig: kubeconfig).stdout == "true")
        try await kubectl(["uncordon", nodeA], kubeconfig: kubeconfig)

        // node remove: db-1 on B is protected by a budget until db-2 is healthy on A.
        try await kubectl(["create", "--validate=false", "-f", "-"], kubeconfig: kubeconfig, input: workload())
        let removal = Task { try await kinvm(["node", "remove", nodeB, "--drain-timeout", "4m", "--kubeconfig", kubeconfig]) }
        try await Task.sleep(for: .seconds(15))
        #expect(try await kubectl(["get", "pod", "db-1", "-o", "name"], kubeconfig: kubeconfig).stdout.contains("db-1"))
        #expect(try await kubectl(["get", "node", nodeB, "-o", "jsonpath={.spec.unschedulable}"], kubeconfig: kubeconfig).stdout == "true")
        try await kubectl(["create", "--validate=false", "-f", "-"], kubeconfig: kubeconfig, input: pod("db-2", node: nodeA, labels: "app: db"))
        let removed = try await removal.value
        #expect(removed.stdout.contains("\(nodeB) removed: drained 1 pods"))
        #expect(removed.stdout.contains("refused by a disruption budget and retried"))
        let gone = try await kubectl(["get", "node", nodeB], kubeconfig: kubeconfig, expect: 1)
        #expect(gone.stderr.contains("NotFound"))
        #expect(try await connection.domainIfPresent(named: nodeB) == nil)
        try await kubectl(["get", "pod", "proxy-b"], kubeconfig: kubeconfig)

        // The last node: the budget goes first, then nothing of either node is left.
        try await kubectl(["delete", "pdb", "db"], kubeconfig: kubeconfig)
        try await kinvm(["node", "remove", nodeA, "--kubeconfig", kubeconfig])
        #expect(try await connection.domainIfPresent(named: nodeA) == nil)
        let remaining = try object(try await kubectl(["get", "nodes", "-o", "json"], kubeconfig: kubeconfig).stdout)
        #expect((remaining["items"] as? [Any])?.isEmpty == true)
        try await pool.refresh()
        #expect(try await pool.allVolumes().map(\.name) == ["node.qcow2"])
        try await kinvm(["image", "delete", "node.qcow2", "--pool", poolName])
    }

    /// db-1 (a ReplicaSet's pod) and a DaemonSet's pod on node B, and the budget that keeps one db pod.
    func workload() -> String {
        pod("db-1", node: nodeB, labels: "app: db") + "\n---\n" + pod("proxy-b", node: nodeB, labels: "app: proxy", owner: "DaemonSet")
            + """

            ---
            apiVersion: policy/v1
            kind: PodDisruptionBudget
            metadata: {name: db, namespace: default}
            spec:
              minAvailable: 1
              selector: {matchLabels: {app: db}}
            """
    }

    func pod(_ name: String, node: String, labels: String, owner: String = "ReplicaSet") -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: \(name)
          namespace: default
          labels: {\(labels)}
          ownerReferences: [{apiVersion: apps/v1, kind: \(owner), name: \(name)-owner, uid: 00000000-0000-0000-0000-00000000000\(name.count % 10), controller: true}]
        spec:
          nodeName: \(node)
          containers: [{name: main, image: busybox}]
        """
    }

    private func makePool(name: String? = nil, path: String, on connection: Connection) async throws -> StoragePool {
        try await EndToEnd.makePool(name ?? poolName, path: path, on: connection)
    }
}
