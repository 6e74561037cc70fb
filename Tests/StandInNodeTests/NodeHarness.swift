import Foundation
import KubeStandIn
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Debian's Python (it has PyYAML from python3-yaml); the guests run the same version.
let python = "/usr/bin/python3"

/// The stand-in kubeadm/kubelet/k3s under test; `STANDIN_NODE_UNDER_TEST` points the tests at
/// another copy (to check that they fail on a broken one).
let standInNode =
    ProcessInfo.processInfo.environment["STANDIN_NODE_UNDER_TEST"]
    ?? URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Support/standin-node/standin-node.py").path

struct HarnessError: Error, CustomStringConvertible {
    var description: String
}

/// What a finished command printed.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// One stand-in API server and one scratch node root (`KINVM_STANDIN_ROOT`) with the admin's
/// credentials in files for curl. Made by ``withNodeHarness(_:_:)``.
struct NodeHarness {
    let server: StandInAPIServer
    /// The node's `/`: every state path of the stand-ins lives below it.
    let root: String
    /// Files outside the node root: CA and admin client certificate (PEM) for curl.
    let caFile: String
    let adminCertificateFile: String
    let adminKeyFile: String

    var endpoint: String { "127.0.0.1:\(server.port)" }

    /// The environment every stand-in runs with in these tests.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for key in environment.keys where key.hasPrefix("KINVM_STANDIN_") { environment.removeValue(forKey: key) }
        environment["KINVM_STANDIN_ROOT"] = root
        environment["KINVM_STANDIN_NO_SYSTEMD"] = "1"
        environment["KINVM_STANDIN_HEARTBEAT_SECONDS"] = "1"
        environment.merge(extra) { $1 }
        return environment
    }

    /// Runs `standin-node.py ARGS` to its end (at most `timeout`).
    func run(_ arguments: [String], environment extra: [String: String] = [:], timeout: Duration = .seconds(60))
        async throws -> CommandResult
    {
        try await runCommand(python, [standInNode] + arguments, environment: environment(extra), in: root, timeout: timeout)
    }

    /// Starts `executable ARGS` in the background; its pid goes to `ROOT/run/NAME.pid`, where the
    /// harness finds it to stop it at the end.
    func startBackground(_ name: String, _ executable: String, _ arguments: [String], environment extra: [String: String] = [:])
        throws
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment(extra)
        let log = "\(root)/var/log/\(name).log"
        if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        output.seekToEndOfFile()
        process.standardOutput = output
        process.standardError = process.standardOutput
        try process.run()
        try write("\(process.processIdentifier)\n", to: "\(root)/run/\(name).pid")
    }

    /// Sends SIGTERM to the process of `ROOT/run/NAME.pid` and waits until it is gone.
    func stop(_ name: String, timeout: Duration = .seconds(10)) async throws {
        let file = "\(root)/run/\(name).pid"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8), let pid = pid_t(text.trimmed) else { return }
        kill(pid, SIGTERM)
        do {
            _ = try await eventually("process \(pid) (\(name)) to exit on SIGTERM", timeout: timeout) { isGone(pid) ? true : nil }
        } catch {
            kill(pid, SIGKILL)
            throw error
        }
        try? FileManager.default.removeItem(atPath: file)
    }

    /// The node's log file (`ROOT/var/log/NAME.log`), for failure messages.
    func log(_ name: String = "kubelet") -> String {
        (try? String(contentsOfFile: "\(root)/var/log/\(name).log", encoding: .utf8)) ?? "(no \(name) log)"
    }

    // MARK: API access

    /// The stored Node as JSON, nil when absent.
    func node(_ name: String) throws -> [String: Any]? {
        guard let data = server.object("/api/v1/nodes/\(name)") else { return nil }
        return try JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    /// An admin request through curl (client certificate, CA verified); the response body as JSON.
    func adminRequest(_ method: String, _ path: String, body: [String: Any]? = nil) async throws -> [String: Any] {
        var arguments = [
            "-sS", "--max-time", "20", "--cacert", caFile, "--cert", adminCertificateFile, "--key", adminKeyFile,
            "-X", method, "-H", "Content-Type: application/json", "-w", "\n%{http_code}",
        ]
        if let body {
            let file = "\(root)/../request-\(UUID().uuidString).json"
            try JSONSerialization.data(withJSONObject: body).write(to: URL(fileURLWithPath: file))
            arguments += ["--data-binary", "@\(file)"]
        }
        let result = try await runCommand("/usr/bin/curl", arguments + [server.url + path], environment: nil, in: root)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        guard result.status == 0, let code = lines.last.flatMap({ Int($0) }), (200..<300).contains(code) else {
            throw HarnessError(description: "curl \(method) \(path): exit \(result.status), \(result.stdout) \(result.stderr)")
        }
        let json = lines.dropLast().joined(separator: "\n")
        return try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] ?? [:]
    }

    /// A bootstrap token Secret in kube-system with the usages and group kubeadm's own tokens have.
    func createBootstrapToken(id: String, secret: String, expiration: Date) async throws {
        let fields = [
            "token-id": id, "token-secret": secret,
            "expiration": ISO8601DateFormatter().string(from: expiration),
            "usage-bootstrap-authentication": "true", "usage-bootstrap-signing": "true",
            "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token",
        ]
        _ = try await adminRequest(
            "POST", "/api/v1/namespaces/kube-system/secrets",
            body: [
                "apiVersion": "v1", "kind": "Secret", "type": "bootstrap.kubernetes.io/token",
                "metadata": ["name": "bootstrap-token-\(id)", "namespace": "kube-system"],
                "data": fields.mapValues { Data($0.utf8).base64EncodedString() },
            ])
    }

    /// `sha256:<hex>` of the cluster CA's DER SubjectPublicKeyInfo, by an openssl pipeline.
    func caPin() async throws -> String {
        let result = try await runCommand(
            "/bin/sh",
            ["-c", "openssl x509 -pubkey -noout -in \"$1\" | openssl pkey -pubin -outform der | sha256sum", "sh", caFile],
            environment: nil, in: root)
        let hex = result.stdout.prefix(64)
        guard result.status == 0, hex.count == 64 else { throw HarnessError(description: "CA pin: \(result.stderr)") }
        return "sha256:\(hex)"
    }
}

/// A fresh stand-in API server and node root for `body`; afterwards every stand-in process
/// recorded under `ROOT/run/*.pid` is stopped, the server shut down and the files removed.
func withNodeHarness<T>(
    _ configuration: StandInConfiguration = StandInConfiguration(), _ body: (NodeHarness) async throws -> T
) async throws -> T {
    let server = try await StandInAPIServer.start(configuration)
    let base = NSTemporaryDirectory() + "standin-node-tests-" + UUID().uuidString
    let harness = NodeHarness(
        server: server, root: "\(base)/root", caFile: "\(base)/ca.pem",
        adminCertificateFile: "\(base)/admin.crt", adminKeyFile: "\(base)/admin.key")
    func tearDown() async {
        let pidFiles = (try? FileManager.default.contentsOfDirectory(atPath: "\(harness.root)/run")) ?? []
        for file in pidFiles where file.hasSuffix(".pid") {
            try? await harness.stop(String(file.dropLast(4)))
        }
        try? await server.shutdown()
        try? FileManager.default.removeItem(atPath: base)
    }
    do {
        try FileManager.default.createDirectory(atPath: "\(harness.root)/run", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(harness.root)/var/log", withIntermediateDirectories: true)
        try write(server.caCertificatePEM, to: harness.caFile)
        let admin = try server.issueClientCertificate(user: "kubernetes-admin", groups: ["system:masters"])
        try write(admin.certificatePEM, to: harness.adminCertificateFile)
        try write(admin.keyPEM, to: harness.adminKeyFile)
        let result = try await body(harness)
        await tearDown()
        return result
    } catch {
        await tearDown()
        throw error
    }
}

// MARK: - Helpers

/// Runs `executable ARGS` with output in files (no pipe to fill up), polling for its end so
/// that no thread blocks; past `timeout` it is killed and the wait fails.
func runCommand(
    _ executable: String, _ arguments: [String], environment: [String: String]?, in directory: String,
    timeout: Duration = .seconds(60)
) async throws -> CommandResult {
    let id = UUID().uuidString
    let outFile = "\(directory)/../out-\(id)"
    let errFile = "\(directory)/../err-\(id)"
    _ = FileManager.default.createFile(atPath: outFile, contents: nil)
    _ = FileManager.default.createFile(atPath: errFile, contents: nil)
    defer {
        try? FileManager.default.removeItem(atPath: outFile)
        try? FileManager.default.removeItem(atPath: errFile)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outFile))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errFile))
    try process.run()
    let deadline = ContinuousClock.now + timeout
    while process.isRunning {
        if ContinuousClock.now > deadline {
            process.terminate()
            throw HarnessError(description: "\(executable) \(arguments.joined(separator: " ")) still running after \(timeout)")
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    return CommandResult(
        status: process.terminationStatus,
        stdout: (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOfFile: errFile, encoding: .utf8)) ?? "")
}

/// Polls `probe` every 200 ms until it returns a value; fails after `timeout` saying what was
/// awaited and, through `seen`, what was last observed.
func eventually<T>(
    _ what: String, timeout: Duration = .seconds(30), seen: () -> String = { "" }, _ probe: () throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let value = try probe() { return value }
        if ContinuousClock.now > deadline {
            throw HarnessError(description: "timed out after \(timeout) waiting for \(what); seen: \(seen())")
        }
        try await Task.sleep(for: .milliseconds(200))
    }
}

/// Whether `pid` has exited: no such process, or a zombie (orphans are reparented to PID 1,
/// which does not always reap them promptly).
func isGone(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let end = stat.lastIndex(of: ")")
    else { return true }
    return stat[stat.index(after: end)...].split(separator: " ").first == "Z"
}

func write(_ text: String, to path: String, mode: Int = 0o644) throws {
    try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
}

/// Online CPUs and MemTotal of this machine, as a kubelet started here must report them.
enum HostCapacity {
    static var cpus: String { String(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
    static var memory: String? {
        guard let meminfo = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
            let line = meminfo.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") })
        else { return nil }
        let fields = line.split(separator: " ")
        return fields.count == 3 && fields[2] == "kB" ? "\(fields[1])Ki" : nil
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}

/// JSON navigation for the stored objects: `node[json: "status", "capacity", "cpu"]`.
extension Dictionary where Key == String, Value == Any {
    subscript(json path: String...) -> Any? {
        var current: Any? = self
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }

    /// The `status.conditions` entry of `type`.
    func condition(_ type: String) -> [String: Any]? {
        (self[json: "status", "conditions"] as? [[String: Any]])?.first { $0["type"] as? String == type }
    }
}
