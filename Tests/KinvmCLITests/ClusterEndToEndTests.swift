import Foundation
import KinvmTestSupport
import LibXML2
import Libvirt
import Testing

/// A whole cluster's life through the real `kinvm` binary, on the test run's private libvirtd in
/// its own network namespace (`scripts/libvirtd.sh start --netns`): kinvm and kubectl run inside
/// that namespace too, so the cluster network (an isolated libvirt network), its dnsmasq and
/// every address exist only there. The control plane runs the project's stand-in API server
/// (started by the stand-in `kubeadm init` of the node image), the workers the stand-in
/// kubeadm/kubelet; guests run under TCG.
enum ClusterEndToEnd {
    static let environment = ProcessInfo.processInfo.environment
    static let enabled =
        environment["KINVM_INTEGRATION"] == "1" && environment["KINVM_NODE_IMAGE"] != nil
        && environment["KINVM_TEST_NETNS"] != nil && environment["KINVM_TEST_NETNS_URI"] != nil
    static var netns: String { environment["KINVM_TEST_NETNS"] ?? "" }
    static var uri: String { environment["KINVM_TEST_NETNS_URI"] ?? "" }

    /// `kinvm ARGS -c URI` inside the test's network namespace.
    @discardableResult
    static func kinvm(_ arguments: [String], expect status: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> CLIRunner.Result
    {
        try await run(arguments, environment: [:], expect: status, sourceLocation: sourceLocation)
    }

    /// `kinvm ARGS` with `KINVM_KILL_AT=point`: it must die by SIGKILL at that point.
    @discardableResult
    static func kinvm(_ arguments: [String], killedAt point: String, sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> CLIRunner.Result
    {
        let result = try await run(arguments, environment: ["KINVM_KILL_AT": point], expect: 9, sourceLocation: sourceLocation)
        #expect(result.stderr.contains("killed at \(point.replacingOccurrences(of: ":", with: " ("))"), "\(result.stderr)",
            sourceLocation: sourceLocation)
        return result
    }

    private static func run(_ arguments: [String], environment: [String: String], expect status: Int32, sourceLocation: SourceLocation)
        async throws -> CLIRunner.Result
    {
        // `-c URI` goes before a `--` (after it, everything is the guest command of `vm exec`).
        var arguments = arguments
        arguments.insert(contentsOf: ["-c", uri], at: arguments.firstIndex(of: "--") ?? arguments.endIndex)
        return try await NetnsCommand.kinvm(arguments, in: netns, environment: environment, expect: status, sourceLocation: sourceLocation)
    }

    /// `kubectl --kubeconfig K ARGS` inside the test's network namespace.
    @discardableResult
    static func kubectl(
        _ arguments: [String], kubeconfig: String, input: String? = nil, expect status: Int32 = 0,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> CLIRunner.Result {
        try await NetnsCommand.kubectl(arguments, kubeconfig: kubeconfig, in: netns, input: input, expect: status, sourceLocation: sourceLocation)
    }
}

@Suite("kinvm cluster end to end (stand-in control plane, libvirtd in the test's network namespace)",
    .enabled(if: ClusterEndToEnd.enabled), .timeLimit(.minutes(60)))
struct ClusterEndToEndTests {
    let name = "e2e" + String(UUID().uuidString.lowercased().filter(\.isLetter).prefix(5))
    var poolName: String { "\(name)-pool" }

    func spec(workers: Int, workerMemory: String = "640MiB") -> String {
        let environment = ClusterEndToEnd.environment
        return """
            apiVersion: kinvm.dev/v1alpha1
            kind: Cluster
            metadata: {name: \(name)}
            spec:
              virtType: qemu
              kubernetes: {distribution: kubeadm}
              image: \(poolName)/node.qcow2
              boot:
                kernel: \(environment["KINVM_NODE_KERNEL"] ?? "")
                initrd: \(environment["KINVM_NODE_INITRD"] ?? "")
                cmdline: "\(environment["KINVM_NODE_CMDLINE"] ?? "root=/dev/vda rw console=ttyS0")"
              network: {mode: isolated, cidr: 192.168.231.0/24}
              controlPlane: {vcpus: 1, memory: 768MiB}
              pools:
                - name: workers
                  count: \(workers)
                  vcpus: 1
                  maxVCPUs: 2
                  memory: \(workerMemory)
                  maxMemory: 1GiB
                  labels: {tier: web}
                  taints: ["dedicated=web:NoSchedule"]
              ttl: 2h

            """
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    @Test("create 1+1 → apply again (no changes) → scale up → live resize → scale down with drain → delete: nothing left; kill -9 seven times on the way, each followed by the same command, which converges")
    func lifecycle() async throws {
        // One slot: the guests boot one at a time (control plane, then the worker, then the one
        // scaled up); the others are running and idle meanwhile.
        try await GuestSlots.withSlots(1, for: "kubeadm cluster end to end", minutes: 9) {
            let base = (ClusterEndToEnd.environment["KINVM_TEST_WORKDIR"] ?? "/var/tmp/kinvm-test") + "/\(name)"
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
            let connection = try await Connection.open(ClusterEndToEnd.uri)
            let pool = try await EndToEnd.makePool(poolName, path: "\(base)/pool", on: connection)
            defer {
                Task {
                    _ = try? await CLIRunner.runDetached(
                        ["netns", "exec", ClusterEndToEnd.netns, CLIRunner.binary.path, "cluster", "delete", name, "--ignore-not-found",
                         "-c", ClusterEndToEnd.uri], executable: NetnsCommand.ip)
                    for volume in (try? await pool.allVolumes()) ?? [] { try? await volume.delete() }
                    try? await pool.destroy()
                    try? await pool.undefine()
                    await connection.close()
                }
            }
            do {
                try await scenario(base: base, pool: pool, connection: connection)
            } catch {
                let logs = "\(base)/logs"
                _ = try? await ClusterEndToEnd.kinvm(["cluster", "logs", name, "--dir", logs])
                let consoles = (try? FileManager.default.subpathsOfDirectory(atPath: logs)) ?? []
                var tails: [String] = []
                for file in consoles.sorted() where file.hasSuffix("cloud-init-output.log") || file.hasSuffix(".journal.log") {
                    let text = (try? String(contentsOfFile: "\(logs)/\(file)", encoding: .utf8)) ?? ""
                    tails.append("--- \(file)\n" + text.split(separator: "\n").suffix(25).joined(separator: "\n"))
                }
                Issue.record("logs of cluster \(name):\n\(tails.joined(separator: "\n"))")
                throw error
            }
        }
    }

    private func scenario(base: String, pool: StoragePool, connection: Connection) async throws {
        let image = try #require(ClusterEndToEnd.environment["KINVM_NODE_IMAGE"])
        try await ClusterEndToEnd.kinvm(["image", "import", image, "--pool", poolName, "--name", "node.qcow2"])
        let specFile = "\(base)/cluster.yaml"
        try spec(workers: 1).write(toFile: specFile, atomically: true, encoding: .utf8)
        let (cp, w1, w2) = ("\(name)-cp-1", "\(name)-workers-1", "\(name)-workers-2")

        let create = ["cluster", "create", "-f", specFile, "--wait", "20m"]

        // create killed (SIGKILL) right after the network: delete converges on what is left.
        try await ClusterEndToEnd.kinvm(create, killedAt: "cluster.network:\(name)")
        #expect(try await connection.networkIfPresent(named: "kinvm-\(name)") != nil)
        try await ClusterEndToEnd.kinvm(["cluster", "delete", name])
        try await expectNothingLeft(connection: connection, pool: pool, nodes: [cp])

        // create killed with the control plane's volumes made and no domain, then again once it
        // was started, then again once the worker's domain was defined (the control plane Ready):
        // each run takes over what the last one left, and the fourth finishes the cluster.
        try await ClusterEndToEnd.kinvm(create, killedAt: "guest.volumes:\(cp)")
        #expect(try await connection.domainIfPresent(named: cp) == nil)
        try await pool.refresh()
        #expect(Set(try await pool.allVolumes().map(\.name)).isSuperset(of: ["\(cp)-root.qcow2", "\(cp)-seed.iso"]))
        try await ClusterEndToEnd.kinvm(create, killedAt: "guest.started:\(cp)")
        #expect(try await connection.domainIfPresent(named: cp)?.isActive() == true)
        try await ClusterEndToEnd.kinvm(create, killedAt: "guest.defined:\(w1)")
        #expect(try await connection.domainIfPresent(named: w1)?.isActive() == false)

        // create: network, control plane (stand-in kubeadm init), one worker; all Ready.
        let created = try Self.object(try await ClusterEndToEnd.kinvm(create + ["-o", "json"]).stdout)
        #expect(created["apiServer"] as? String == "https://192.168.231.10:6443")
        let kubeconfig = "\(base)/kubeconfig"
        try (created["kubeconfig"] as? String ?? "").write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        // The same kubeconfig comes back from the control plane through the agent.
        #expect(try await ClusterEndToEnd.kinvm(["cluster", "kubeconfig", name]).stdout.contains("https://192.168.231.10:6443"))

        var nodes = try Self.object(try await ClusterEndToEnd.kubectl(["get", "nodes", "-o", "json"], kubeconfig: kubeconfig).stdout)
        var items = nodes["items"] as? [[String: Any]] ?? []
        #expect(Set(items.compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }) == [cp, w1])
        let worker = try #require(items.first { ($0["metadata"] as? [String: Any])?["name"] as? String == w1 })
        let labels = (worker["metadata"] as? [String: Any])?["labels"] as? [String: String] ?? [:]
        #expect(labels["tier"] == "web" && labels["kinvm.dev/pool"] == "workers")
        let taints = ((worker["spec"] as? [String: Any])?["taints"] as? [[String: Any]] ?? []).compactMap { $0["key"] as? String }
        #expect(taints.contains("dedicated"))

        // libvirt holds the cluster: the network with one reservation per node, the guests with their metadata.
        var info = try Self.object(try await ClusterEndToEnd.kinvm(["cluster", "get", name, "-o", "json"]).stdout)
        #expect(info["status"] as? String == "ready")
        var infoNodes = info["nodes"] as? [[String: Any]] ?? []
        #expect(infoNodes.map { $0["ip"] as? String } == ["192.168.231.10", "192.168.231.11"])
        #expect(infoNodes.allSatisfy { $0["nodeStatus"] as? String == "Ready" })
        let network = try await connection.network(named: "kinvm-\(name)")
        #expect(try await network.xml().components(separatedBy: "<host ").count - 1 == 2)
        let listed = try await ClusterEndToEnd.kinvm(["cluster", "list"]).stdout
        #expect(listed.contains(name) && listed.contains("2/2"))

        // apply of the same spec: nothing to do.
        #expect(try await ClusterEndToEnd.kinvm(["cluster", "apply", "-f", specFile]).stdout.contains("No changes"))

        // scale up without the file, killed once the new guest was defined: scaling again
        // replaces the guest that never joined, Ready, with the next address.
        let scale = ["cluster", "scale", name, "--pool", "workers=2", "--wait", "20m"]
        try await ClusterEndToEnd.kinvm(scale, killedAt: "guest.defined:\(w2)")
        #expect(try await connection.domainIfPresent(named: w2)?.isActive() == false)
        try await ClusterEndToEnd.kinvm(scale)
        info = try Self.object(try await ClusterEndToEnd.kinvm(["cluster", "get", name, "-o", "json"]).stdout)
        infoNodes = info["nodes"] as? [[String: Any]] ?? []
        #expect(infoNodes.compactMap { $0["name"] as? String } == [cp, w1, w2])
        #expect(infoNodes.last?["ip"] as? String == "192.168.231.12")
        #expect(infoNodes.allSatisfy { $0["nodeStatus"] as? String == "Ready" })

        // live resize from the file: both workers to 1 GiB through the balloon; the Nodes report it.
        try spec(workers: 2, workerMemory: "1GiB").write(toFile: specFile, atomically: true, encoding: .utf8)
        let dryRun = try await ClusterEndToEnd.kinvm(["cluster", "apply", "-f", specFile, "--dry-run"]).stdout
        #expect(dryRun.contains("~ \(w1)") && dryRun.contains("(live)") && dryRun.contains("Plan: 2 to resize."))
        let resized = try Self.object(try await ClusterEndToEnd.kinvm(["cluster", "apply", "-f", specFile, "-o", "json"]).stdout)
        #expect((resized["resized"] as? [[String: Any]] ?? []).map { $0["method"] as? String } == ["live", "live"])
        nodes = try Self.object(try await ClusterEndToEnd.kubectl(["get", "nodes", "-o", "json"], kubeconfig: kubeconfig).stdout)
        items = nodes["items"] as? [[String: Any]] ?? []
        for item in items where ((item["metadata"] as? [String: Any])?["name"] as? String)?.contains("-workers-") == true {
            let memory = ((item["status"] as? [String: Any])?["capacity"] as? [String: String])?["memory"] ?? ""
            #expect((Int(memory.replacingOccurrences(of: "Ki", with: "")) ?? 0) > 900 * 1024, "memory capacity \(memory)")
        }

        // scale down: the pod on workers-2 is evicted by the drain, then the node and its guest go.
        try await ClusterEndToEnd.kubectl(
            ["create", "--validate=false", "-f", "-"], kubeconfig: kubeconfig,
            input: """
                {"apiVersion": "v1", "kind": "Pod",
                 "metadata": {"name": "web", "namespace": "default", "ownerReferences": [{"apiVersion": "apps/v1",
                   "kind": "ReplicaSet", "name": "web", "uid": "5f0c2a8e-0000-4000-8000-000000000001", "controller": true}]},
                 "spec": {"nodeName": "\(w2)", "containers": [{"name": "web", "image": "nginx"}]}}
                """)
        // The first apply is killed once the node is drained: the pod is gone, the Node cordoned.
        try spec(workers: 1, workerMemory: "1GiB").write(toFile: specFile, atomically: true, encoding: .utf8)
        try await ClusterEndToEnd.kinvm(["cluster", "apply", "-f", specFile], killedAt: "node.drained:\(w2)")
        try await ClusterEndToEnd.kubectl(["get", "pod", "web"], kubeconfig: kubeconfig, expect: 1)
        let cordoned = try Self.object(try await ClusterEndToEnd.kubectl(["get", "node", w2, "-o", "json"], kubeconfig: kubeconfig).stdout)
        #expect((cordoned["spec"] as? [String: Any])?["unschedulable"] as? Bool == true)
        let shrunk = try Self.object(try await ClusterEndToEnd.kinvm(["cluster", "apply", "-f", specFile, "-o", "json"]).stdout)
        let removed = shrunk["removed"] as? [[String: Any]] ?? []
        #expect(removed.compactMap { $0["name"] as? String } == [w2])
        #expect(((removed.first?["drain"] as? [String: Any])?["evicted"] as? [Any])?.count == 0)
        try await ClusterEndToEnd.kubectl(["get", "node", w2], kubeconfig: kubeconfig, expect: 1)
        #expect(try await connection.domainIfPresent(named: w2) == nil)
        #expect(try await network.xml().components(separatedBy: "<host ").count - 1 == 2)

        // delete, killed with the guests gone and the network left; delete again: nothing of the cluster is left.
        try await ClusterEndToEnd.kinvm(["cluster", "delete", name], killedAt: "cluster.guests-deleted:\(name)")
        for node in [cp, w1] { #expect(try await connection.domainIfPresent(named: node) == nil) }
        #expect(try await connection.networkIfPresent(named: "kinvm-\(name)") != nil)
        try await ClusterEndToEnd.kinvm(["cluster", "delete", name])
        try await expectNothingLeft(connection: connection, pool: pool, nodes: [cp, w1, w2])
        #expect(!(try await ClusterEndToEnd.kinvm(["cluster", "list"]).stdout.contains(name)))
        try await ClusterEndToEnd.kinvm(["cluster", "delete", name], expect: 1)
    }

    /// No guest of `nodes`, no cluster network, and no volume but the image in the test's pool.
    private func expectNothingLeft(
        connection: Connection, pool: StoragePool, nodes: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        // The console logs too, which kinvm deletes through libvirt: the netns libvirtd has its own
        // /var/log/libvirt (a bind mount of the instance's log directory, scripts/libvirtd.sh).
        let logs = (ClusterEndToEnd.environment["KINVM_INSTANCES_DIR"] ?? "/var/lib/kinvm-instances") + "/\(ClusterEndToEnd.netns)/log/qemu"
        for node in nodes {
            #expect(try await connection.domainIfPresent(named: node) == nil, sourceLocation: sourceLocation)
            #expect(!FileManager.default.fileExists(atPath: "\(logs)/\(node)-console.log"), "\(node)'s console log", sourceLocation: sourceLocation)
        }
        #expect(try await connection.networkIfPresent(named: "kinvm-\(name)") == nil, sourceLocation: sourceLocation)
        try await pool.refresh()
        #expect(try await pool.allVolumes().map(\.name) == ["node.qcow2"], sourceLocation: sourceLocation)
    }
}
