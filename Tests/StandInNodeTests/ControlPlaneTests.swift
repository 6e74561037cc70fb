import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The kube-standin program the control-plane stand-ins start: `KINVM_STANDIN_SERVER_BIN`, else
/// the one built next to these tests (`swift build --build-tests` builds it).
let kubeStandInServer: String? = {
    if let path = ProcessInfo.processInfo.environment["KINVM_STANDIN_SERVER_BIN"], !path.isEmpty { return path }
    let directories = [CommandLine.arguments.first, Bundle.main.executablePath].compactMap { $0 }.map {
        URL(fileURLWithPath: $0).deletingLastPathComponent()
    }
    for directory in directories {
        for base in [directory, directory.deletingLastPathComponent(), directory.deletingLastPathComponent().deletingLastPathComponent()] {
            let path = base.appendingPathComponent("kube-standin").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
    }
    return nil
}()

/// Scratch node roots on one loopback port: `k3s server` / `kubeadm init` in `controlPlane`,
/// workers in roots of their own. Made by ``withControlPlane(_:)``.
struct ControlPlaneHarness {
    let base: String
    let port: Int

    var controlPlane: String { "\(base)/cp" }
    func root(_ name: String) -> String { "\(base)/\(name)" }

    func environment(root: String) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for key in environment.keys where key.hasPrefix("KINVM_STANDIN_") || key.hasPrefix("K3S_") { environment.removeValue(forKey: key) }
        environment["KINVM_STANDIN_ROOT"] = root
        environment["KINVM_STANDIN_NO_SYSTEMD"] = "1"
        environment["KINVM_STANDIN_HEARTBEAT_SECONDS"] = "1"
        environment["KINVM_STANDIN_API_PORT"] = String(port)
        environment["KINVM_STANDIN_API_BIND"] = "127.0.0.1"
        environment["KINVM_STANDIN_SERVER_BIN"] = kubeStandInServer
        return environment
    }

    /// A link named `tool` to the stand-in in `root` (argv[0] selects the tool).
    func tool(_ tool: String, in root: String) throws -> String {
        let link = "\(root)/usr/local/bin/\(tool)"
        if !FileManager.default.fileExists(atPath: link) {
            try FileManager.default.createDirectory(atPath: "\(root)/usr/local/bin", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: standInNode)
        }
        return link
    }

    func run(_ tool: String, _ arguments: [String], root: String, timeout: Duration = .seconds(120)) async throws -> CommandResult {
        try await runCommand(try self.tool(tool, in: root), arguments, environment: environment(root: root), in: root, timeout: timeout)
    }

    /// Starts a long-running tool; its pid goes to `ROOT/run/NAME.pid` (stopped at the end).
    func startBackground(_ name: String, _ executable: String, _ arguments: [String], root: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment(root: root)
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        let log = "\(root)/var/log/\(name).log"
        try FileManager.default.createDirectory(atPath: "\(root)/var/log", withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        output.seekToEndOfFile()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try write("\(process.processIdentifier)\n", to: "\(root)/run/\(name).pid")
    }

    func stop(_ name: String, root: String) async throws {
        let file = "\(root)/run/\(name).pid"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8), let pid = pid_t(text.trimmed) else { return }
        kill(pid, SIGTERM)
        do {
            _ = try await eventually("process \(pid) (\(name)) to exit on SIGTERM", timeout: .seconds(15)) { isGone(pid) ? true : nil }
        } catch {
            kill(pid, SIGKILL)
            throw error
        }
        try? FileManager.default.removeItem(atPath: file)
    }

    func log(_ name: String, root: String) -> String {
        (try? String(contentsOfFile: "\(root)/var/log/\(name).log", encoding: .utf8)) ?? "(no \(name) log)"
    }

    /// `kubectl --kubeconfig KUBECONFIG ARGS -o json`, decoded.
    func kubectl(_ kubeconfig: String, _ arguments: [String]) async throws -> [String: Any] {
        let result = try await kubectlRaw(kubeconfig, arguments + ["-o", "json"])
        guard result.status == 0 else { throw HarnessError(description: "kubectl \(arguments): \(result.stderr)") }
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
    }

    func kubectlRaw(_ kubeconfig: String, _ arguments: [String]) async throws -> CommandResult {
        try await runCommand(
            "/usr/bin/kubectl", ["--kubeconfig", kubeconfig, "--cache-dir", "\(base)/kube-cache", "--request-timeout", "10s"] + arguments,
            environment: ["PATH": "/usr/bin:/bin", "HOME": base], in: base, timeout: .seconds(60))
    }

    /// The Node once it is Ready, through kubectl with `kubeconfig`.
    func readyNode(_ name: String, kubeconfig: String, timeout: Duration = .seconds(60), seen: @escaping () -> String) async throws
        -> [String: Any]
    {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            if let node = try? await kubectl(kubeconfig, ["get", "node", name]) {
                if node.condition("Ready")?["status"] as? String == "True" { return node }
                last = "\(node[json: "status", "conditions"] ?? "no conditions")"
            }
            try await Task.sleep(for: .milliseconds(300))
        }
        throw HarnessError(description: "node \(name) not Ready after \(timeout) (\(last)); log: \(seen())")
    }
}

/// A loopback port nobody listens on right now.
func freeLoopbackPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw HarnessError(description: "socket: \(errno)") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
        }
    }
    guard bound else { throw HarnessError(description: "bind: \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Runs `body` with fresh roots; afterwards every process under `ROOT/run/*.pid` of every root
/// is stopped and the files are removed.
func withControlPlane<T>(_ body: (ControlPlaneHarness) async throws -> T) async throws -> T {
    let harness = ControlPlaneHarness(base: NSTemporaryDirectory() + "standin-cp-tests-" + UUID().uuidString, port: try freeLoopbackPort())
    func tearDown() async {
        let roots = (try? FileManager.default.contentsOfDirectory(atPath: harness.base)) ?? []
        for root in roots.map({ "\(harness.base)/\($0)" }) {
            // The workers first, then the control plane's kubelet/agent, the API server last.
            let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/run")) ?? []).filter { $0.hasSuffix(".pid") }
            for file in pids.sorted(by: { ($0 == "kube-standin.pid" ? 1 : 0) < ($1 == "kube-standin.pid" ? 1 : 0) }) {
                try? await harness.stop(String(file.dropLast(4)), root: root)
            }
        }
        try? FileManager.default.removeItem(atPath: harness.base)
    }
    do {
        for name in ["cp", "w1"] {
            try FileManager.default.createDirectory(atPath: "\(harness.root(name))/run", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: "\(harness.root(name))/var/log", withIntermediateDirectories: true)
        }
        let result = try await body(harness)
        await tearDown()
        return result
    } catch {
        await tearDown()
        throw error
    }
}

extension Dictionary where Key == String, Value == Any {
    var labels: [String: String] { self[json: "metadata", "labels"] as? [String: String] ?? [:] }
    var taints: [[String: String]] { self[json: "spec", "taints"] as? [[String: String]] ?? [] }
}

/// The stand-in `kubeadm init`: the stand-in API server as its service, admin.conf and the CA,
/// the control-plane Node with kubeadm's label and taint, a bootstrap token a worker joins with,
/// and a restarted API server that is still the same cluster.
@Suite(.timeLimit(.minutes(4)), .enabled(if: kubeStandInServer != nil, "kube-standin is not built next to the tests"))
struct ControlPlaneKubeadmTests {
    /// Runs `kubeadm init` in the control-plane root; returns its output.
    static func initialize(_ harness: ControlPlaneHarness) async throws -> CommandResult {
        let cp = harness.controlPlane
        try write(
            """
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: InitConfiguration
            bootstrapTokens:
            - token: "abcdef.0123456789abcdef"
              ttl: 2h0m0s
            localAPIEndpoint:
              advertiseAddress: 127.0.0.1
            nodeRegistration:
              name: cp1
              kubeletExtraArgs:
              - name: node-labels
                value: tier=control
            ---
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: ClusterConfiguration
            apiServer:
              certSANs: ["cp.example.test"]

            """, to: "\(cp)/etc/kubeadm/init.yaml", mode: 0o600)
        let result = try await harness.run("kubeadm", ["init", "--config", "\(cp)/etc/kubeadm/init.yaml"], root: cp)
        guard result.status == 0 else {
            throw HarnessError(description: "kubeadm init: \(result.stdout)\n\(result.stderr)\n\(harness.log("kube-standin", root: cp))")
        }
        return result
    }

    @Test func initWritesAdminConfTaintsItsNodeAndAWorkerJoinsWithThePrintedCommand() async throws {
        try await withControlPlane { harness in
            let cp = harness.controlPlane
            let output = try await Self.initialize(harness).stdout
            let adminConf = "\(cp)/etc/kubernetes/admin.conf"
            let mode = try FileManager.default.attributesOfItem(atPath: adminConf)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600)
            #expect(try String(contentsOfFile: adminConf, encoding: .utf8).contains("server: https://127.0.0.1:\(harness.port)"))
            let node = try await harness.readyNode("cp1", kubeconfig: adminConf) { harness.log("kubelet", root: cp) }
            #expect(node.labels["node-role.kubernetes.io/control-plane"] == "")
            #expect(node.labels["tier"] == "control")
            #expect(node.taints == [["key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"]])

            // The join line names the endpoint, the token and the pin of /etc/kubernetes/pki/ca.crt.
            let pin = try await runCommand(
                "/bin/sh", ["-c", "openssl x509 -pubkey -noout -in \"$1\" | openssl pkey -pubin -outform der | sha256sum", "sh",
                            "\(cp)/etc/kubernetes/pki/ca.crt"], environment: nil, in: cp)
            let hash = "sha256:\(pin.stdout.prefix(64))"
            #expect(output.contains("kubeadm join 127.0.0.1:\(harness.port) --token abcdef.0123456789abcdef \\\n\t--discovery-token-ca-cert-hash \(hash)"), "\(output)")
            // apiServer.certSANs is in the serving certificate.
            let san = try await runCommand(
                "/usr/bin/curl",
                ["-sS", "--noproxy", "*", "--cacert", "\(cp)/etc/kubernetes/pki/ca.crt", "--resolve", "cp.example.test:\(harness.port):127.0.0.1",
                 "https://cp.example.test:\(harness.port)/readyz"], environment: nil, in: cp)
            #expect(san.stdout == "ok", "\(san.stderr)")

            let worker = harness.root("w1")
            let join = try await harness.run(
                "kubeadm", ["join", "127.0.0.1:\(harness.port)", "--token", "abcdef.0123456789abcdef",
                            "--discovery-token-ca-cert-hash", hash, "--node-name", "w1"], root: worker)
            #expect(join.status == 0, "\(join.stdout)\n\(join.stderr)\n\(harness.log("kubelet", root: worker))")
            let joined = try await harness.readyNode("w1", kubeconfig: adminConf) { harness.log("kubelet", root: worker) }
            #expect(joined.taints.isEmpty)

            // A kubelet whose Node is deleted registers it again (after its status retries).
            let deleted = try await harness.kubectlRaw(adminConf, ["delete", "node", "w1"])
            #expect(deleted.status == 0, "\(deleted.stderr)")
            _ = try await harness.readyNode("w1", kubeconfig: adminConf, timeout: .seconds(45)) { harness.log("kubelet", root: worker) }
        }
    }

    @Test func restartedAPIServerKeepsItsCANodesAndTheKubeletsCertificate() async throws {
        try await withControlPlane { harness in
            let cp = harness.controlPlane
            _ = try await Self.initialize(harness)
            let adminConf = "\(cp)/etc/kubernetes/admin.conf"
            _ = try await harness.readyNode("cp1", kubeconfig: adminConf) { harness.log("kubelet", root: cp) }
            let caFile = "\(cp)/var/lib/kinvm-standin/pki/ca.crt"
            let caBefore = try String(contentsOfFile: caFile, encoding: .utf8)

            try await harness.stop("kube-standin", root: cp)
            let down = try await harness.kubectlRaw(adminConf, ["get", "nodes"])
            #expect(down.status != 0)
            let argv = try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: "\(cp)/var/lib/kinvm-standin/kube-standin.argv"))) as? [String] ?? []
            try #require(argv.count > 1)
            let restartedAt = Date()
            try harness.startBackground("kube-standin", argv[0], Array(argv.dropFirst()), root: cp)

            // The old admin.conf works, the CA is the one it had, the Node is still there, and
            // the kubelet's client certificate (issued before the restart) still posts status.
            let node = try await harness.readyNode("cp1", kubeconfig: adminConf) { harness.log("kube-standin", root: cp) }
            #expect(try String(contentsOfFile: caFile, encoding: .utf8) == caBefore)
            #expect(node.labels["node-role.kubernetes.io/control-plane"] == "")
            let served = try await runCommand(
                "/usr/bin/curl", ["-sS", "--noproxy", "*", "--cacert", caFile, "https://127.0.0.1:\(harness.port)/cacerts"], environment: nil, in: cp)
            #expect(served.stdout == caBefore)
            let formatter = ISO8601DateFormatter()
            _ = try await eventually("a heartbeat after the restart", timeout: .seconds(30), seen: { harness.log("kubelet", root: cp) }) {
                let stored = try? JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: "\(cp)/var/lib/kinvm-standin/state.json"))) as? [String: Any]
                let objects = stored?["objects"] as? [[String: Any]] ?? []
                let cp1 = objects.compactMap { $0["object"] as? [String: Any] }.first { $0[json: "metadata", "name"] as? String == "cp1" }
                let beat = (cp1?.condition("Ready")?["lastHeartbeatTime"] as? String).flatMap(formatter.date)
                return beat.map { $0 > restartedAt } == true ? true : nil
            }
        }
    }
}
