import Foundation
import KubeStandIn
import Testing

/// `kinvm node` with bad input: clear errors, exit status 1 (or 64 for bad arguments), and
/// nothing created or deleted. The API side is the stand-in server; libvirt is test:///default.
@Suite("kinvm node: bad input")
struct NodeCLITests {
    static let addArguments = [
        "node", "add", "w-1", "--image", "default/base.qcow2", "--vcpus", "1", "--memory", "256MiB", "-c", "test:///default",
    ]

    let directory: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-node-cli-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    func write(_ text: String, _ name: String) throws -> String {
        let path = "\(directory)/\(name)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func run(_ arguments: [String]) async throws -> CLIRunner.Result {
        try await CLIRunner.runDetached(arguments)
    }

    @Test("a kubeconfig that is missing or does not parse: exit 1 naming the file")
    func badKubeconfig() async throws {
        let missing = try await run(Self.addArguments + ["--kubeconfig", "\(directory)/nope.conf"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("\(directory)/nope.conf"), "\(missing.stderr)")
        #expect(missing.stderr.contains("nothing was changed"))
        let garbage = try write("apiVersion: v1\nclusters: [unclosed\n", "bad.conf")
        let bad = try await run(Self.addArguments + ["--kubeconfig", garbage])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains(garbage), "\(bad.stderr)")
        #expect(bad.stdout.isEmpty)
    }

    @Test("an API server that is unreachable, untrusted, or rejects the credentials: exit 1, nothing created")
    func badServer() async throws {
        let server = try await StandInAPIServer.start(StandInConfiguration())
        let other = try await StandInAPIServer.start(StandInConfiguration())
        defer { Task { try? await server.shutdown(); try? await other.shutdown() } }

        let unreachable = try write(server.adminKubeconfig(server: "https://127.0.0.1:1"), "unreachable.conf")
        let refused = try await run(Self.addArguments + ["--kubeconfig", unreachable])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("https://127.0.0.1:1"), "\(refused.stderr)")
        #expect(refused.stderr.contains("nothing was created"), "\(refused.stderr)")

        // The other server's kubeconfig names this server: its certificate is not from that CA.
        let untrusted = try write(other.adminKubeconfig(server: server.url), "untrusted.conf")
        let tls = try await run(Self.addArguments + ["--kubeconfig", untrusted])
        #expect(tls.status == 1)
        #expect(tls.stderr.lowercased().contains("certificate"), "\(tls.stderr)")

        let token = try write(
            """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "\(server.url)", certificate-authority-data: "\(Data(server.caCertificatePEM.utf8).base64EncodedString())"}}]
            users: [{name: u, user: {token: not-a-valid-token}}]
            contexts: [{name: x, context: {cluster: c, user: u}}]
            current-context: x
            """, "token.conf")
        let rejected = try await run(Self.addArguments + ["--kubeconfig", token])
        #expect(rejected.status == 1)
        #expect(rejected.stderr.contains("Unauthorized"), "\(rejected.stderr)")
    }

    @Test("node remove of a name that is not a kinvm node: exit 1, nothing touched")
    func removeUnknown() async throws {
        let server = try await StandInAPIServer.start(StandInConfiguration())
        defer { Task { try? await server.shutdown() } }
        let kubeconfig = try write(server.adminKubeconfig(), "admin.conf")
        // test:///default has one domain, "test", which kinvm did not create.
        for (name, reason) in [("ghost", "'ghost' is not a kinvm guest"), ("test", "test")] {
            let result = try await run(["node", "remove", name, "--kubeconfig", kubeconfig, "-c", "test:///default"])
            #expect(result.status == 1)
            #expect(result.stderr.contains(reason), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test("bad arguments: exit 64 with the reason", arguments: [
        (["--join", "k3s"], "--join k3s needs --k3s-token-file"),
        (["--token-ttl", "0"], "--token-ttl must be positive"),
        (["--token-ttl", "2d"], "at most 24h"),
        (["--labels", "bad key=x"], "--labels: label key 'bad key'"),
        (["--taints", "k=v"], "--taints: taint 'k=v' has no effect"),
        (["--k3s-images", "/x"], "--k3s-token-file, --k3s-binary and --k3s-images are for --join k3s"),
        (["--pool", "Bad_Pool"], "--pool 'Bad_Pool'"),
    ])
    func badArguments(extra: [String], message: String) async throws {
        let result = try await run(Self.addArguments + extra)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
