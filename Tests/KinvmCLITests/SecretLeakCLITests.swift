import Foundation
import KinvmTestSupport
import KubeStandIn
import Testing

/// kinvm runs as root and never prints a credential: every command that reads a kubeconfig is
/// run (the real binary) on broken inputs that carry known secrets, and the secrets must appear
/// nowhere in stdout or stderr, with `-o json` too. The exit status is 1 or 64 and the output is
/// short. Only loopback is used: 127.0.0.1:1, where nothing listens, and the stand-in server.
@Suite("kinvm never prints a credential")
struct SecretLeakCLITests {
    /// One broken kubeconfig and the secrets in it.
    struct Input: CustomTestStringConvertible, Sendable {
        var name: String
        /// The kubeconfig; `DIR` stands for the test's directory.
        var kubeconfig: String
        /// Other files to write first (a token file), by name in the directory.
        var files: [String: String] = [:]
        var secrets: [String]
        /// False when the file itself does not parse: then `cluster delete` must refuse to edit it too.
        var parses = true
        var testDescription: String { name }
    }

    static let unreachable = "https://127.0.0.1:1"

    /// ``KubeconfigFixture/kubeconfig(user:server:cluster:)``.
    static func kubeconfig(server: String = unreachable, cluster: String = "", user: String) -> String {
        KubeconfigFixture.kubeconfig(user: user, server: server, cluster: cluster)
    }

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    /// A real client certificate and key from the stand-in's CA (no request is made to it).
    static func clientPair() async throws -> (certificatePEM: String, keyPEM: String) {
        let server = try await StandInAPIServer.start(StandInConfiguration())
        let pair = Result { try server.issueClientCertificate(user: "u", groups: []) }
        try? await server.shutdown()
        return try pair.get()
    }

    /// `CERTDATA` and `KEYDATA` in a kubeconfig stand for a real client certificate and key (base64),
    /// `KEYLINE` in the secrets for a line from the middle of that key: the part that is secret.
    static var inputs: [Input] {
        [
            Input(
                name: "YAML error on the token line", kubeconfig: kubeconfig(user: "    token: YAMLTOKEN-5ecret: x"),
                secrets: ["YAMLTOKEN-5ecret"], parses: false),
            Input(
                name: "duplicate key (Yams quotes the whole file)",
                kubeconfig: kubeconfig(user: "    token: DUPTOKEN-5ecret\n    token: other"), secrets: ["DUPTOKEN-5ecret"], parses: false),
            Input(
                name: "YAML error on the password line",
                kubeconfig: kubeconfig(user: "    username: admin\n    password: 'PASSWORD-5ecret' trailing"),
                secrets: ["PASSWORD-5ecret"], parses: false),
            Input(
                name: "YAML error on the client-key-data line",
                kubeconfig: kubeconfig(user: "    client-key-data: \"\(base64("KEYDATA-5ecret"))\" trailing"),
                secrets: ["KEYDATA-5ecret", base64("KEYDATA-5ecret")], parses: false),
            Input(
                name: "token with CR/LF", kubeconfig: kubeconfig(user: "    token: \"CRLFTOKEN-5ecret\\r\\nX-Injected: 1\""),
                secrets: ["CRLFTOKEN-5ecret", "X-Injected"]),
            Input(
                name: "tokenFile pointing at a shadow-like file", kubeconfig: kubeconfig(user: "    tokenFile: DIR/shadow"),
                files: ["shadow": "root:$6$SHADOWHASH-5ecret:19000:0:99999:7:::\nbin:*:19000:0:99999:7:::\n"],
                secrets: ["SHADOWHASH-5ecret", "root:"]),
            Input(
                name: "password in the server URL",
                kubeconfig: kubeconfig(server: "https://admin:URLPASSWORD-5ecret@127.0.0.1:1", user: "    token: plaintoken"),
                secrets: ["URLPASSWORD-5ecret", "plaintoken"]),
            Input(
                name: "basic auth to an unreachable server",
                kubeconfig: kubeconfig(user: "    username: admin\n    password: BASICPASSWORD-5ecret"),
                secrets: ["BASICPASSWORD-5ecret", base64("admin:BASICPASSWORD-5ecret")]),
            Input(
                name: "a client key that is not a key",
                kubeconfig: kubeconfig(
                    user: "    client-certificate-data: CERTDATA\n"
                        + "    client-key-data: \(base64("-----BEGIN PRIVATE KEY-----\nBADKEY-5ecret\n-----END PRIVATE KEY-----\n"))"),
                secrets: ["BADKEY-5ecret"]),
            Input(
                name: "a real client key, server unreachable",
                kubeconfig: kubeconfig(
                    user: "    client-certificate-data: CERTDATA\n    client-key-data: KEYDATA"),
                secrets: ["KEYLINE"]),
            Input(
                name: "insecure-skip-tls-verify with a token",
                kubeconfig: kubeconfig(cluster: "    insecure-skip-tls-verify: true", user: "    token: INSECURETOKEN-5ecret"),
                secrets: ["INSECURETOKEN-5ecret"]),
            Input(
                name: "plain http:// with a password in the URL and a token",
                kubeconfig: kubeconfig(server: "http://u:HTTPPASSWORD-5ecret@127.0.0.1:1", user: "    token: HTTPTOKEN-5ecret"),
                secrets: ["HTTPPASSWORD-5ecret", "HTTPTOKEN-5ecret"]),
        ]
    }

    /// Every command that reads the kubeconfig's credentials; libvirt is test:///default.
    static let nodeCommands: [[String]] = [
        ["node", "list"],
        ["node", "add", "w-1", "--image", "default/base.qcow2", "--vcpus", "1", "--memory", "256MiB"],
        ["node", "resize", "w-1", "--vcpus", "2"],
        ["node", "remove", "w-1"],
    ]

    func expectNoLeak(_ result: CLIRunner.Result, _ input: Input, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let what = "\(input.name): kinvm \(arguments.joined(separator: " "))"
        for secret in input.secrets {
            #expect(!result.stdout.contains(secret), "\(what) printed a secret on stdout:\n\(result.stdout)", sourceLocation: sourceLocation)
            #expect(!result.stderr.contains(secret), "\(what) printed a secret on stderr:\n\(result.stderr)", sourceLocation: sourceLocation)
        }
        #expect([1, 64].contains(result.status), "\(what) exited \(result.status):\n\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.utf8.count + result.stderr.utf8.count < 4096, "\(what) printed too much:\n\(result.stderr)", sourceLocation: sourceLocation)
        #expect(!result.stderr.isEmpty, "\(what) failed without saying why", sourceLocation: sourceLocation)
    }

    @Test("node commands: no secret in the output, exit 1 or 64, short output", arguments: inputs)
    func nodeCommands(input: Input) async throws {
        let (directory, input) = try await Self.prepare(input)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = ["HOME": directory, "KUBECONFIG": "\(directory)/missing"]
        for command in Self.nodeCommands {
            for format in [[], ["-o", "json"]] {
                let arguments = command + format + ["-c", "test:///default", "--kubeconfig", "\(directory)/config"]
                expectNoLeak(try await CLIRunner.runDetached(arguments, environment: environment), input, arguments)
            }
        }
        // Through $KUBECONFIG instead of --kubeconfig.
        let arguments = ["node", "list", "-c", "test:///default"]
        let viaEnvironment = ["HOME": directory, "KUBECONFIG": "\(directory)/config"]
        expectNoLeak(try await CLIRunner.runDetached(arguments, environment: viaEnvironment), input, arguments)
    }

    @Test(
        "cluster delete with a kubeconfig that does not parse: no secret in the output, the file untouched",
        arguments: inputs.filter { !$0.parses })
    func clusterDelete(input: Input) async throws {
        let (directory, input) = try await Self.prepare(input)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let before = try String(contentsOfFile: "\(directory)/config", encoding: .utf8)
        for format in [[], ["-o", "json"]] {
            let arguments = ["cluster", "delete", "--ignore-not-found", "nope"] + format + ["-c", "test:///default"]
            let result = try await CLIRunner.runDetached(arguments, environment: ["HOME": directory, "KUBECONFIG": "\(directory)/config"])
            expectNoLeak(result, input, arguments)
            #expect(result.stderr.contains("\(directory)/config:"), "\(result.stderr)")
        }
        #expect(try String(contentsOfFile: "\(directory)/config", encoding: .utf8) == before)
    }

    @Test("a password in a guest's recorded API server URL (an older kinvm kept it) is never shown")
    func recordedServerURL() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-secrets-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let metadata = """
            <metadata><kinvm:instance xmlns:kinvm="https://kinvm.dev/xmlns/kinvm/1" owner="kinvm" cluster="lab" role="worker" \
            pool="p" created="2026-01-01T00:00:00Z" join="kubeadm" api-server="https://admin:S3CRET-PW@127.0.0.1:6443"/></metadata>
            """
        let path = directory + "/host.xml"
        try TestDriverHost.document([TestDriverHost.domain(name: "lab-p-1", mac: "52:54:00:00:0f:01", metadata: metadata)])
            .write(toFile: path, atomically: true, encoding: .utf8)
        for arguments in [["vm", "get", "lab-p-1", "-o", "json"], ["vm", "get", "lab-p-1"], ["vm", "list", "-o", "json"], ["vm", "list", "-o", "wide"]] {
            let result = try CLIRunner.run(arguments + ["-c", "test://\(path)"])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(!(result.stdout + result.stderr).contains("S3CRET-PW"), "\(arguments): \(result.stdout)")
        }
    }

    @Test("an insecure server is refused naming the cluster and the file; allowed, it is warned about once")
    func insecureServer() async throws {
        let (directory, input) = try await Self.prepare(try #require(Self.inputs.first { $0.name.hasPrefix("insecure-skip-tls-verify") }))
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let base = ["node", "list", "-c", "test:///default", "--kubeconfig", "\(directory)/config"]
        let refused = try await CLIRunner.runDetached(base, environment: ["HOME": directory])
        expectNoLeak(refused, input, base)
        #expect(refused.stderr.contains(#"cluster "c" in \#(directory)/config: it sets insecure-skip-tls-verify: true"#), "\(refused.stderr)")
        #expect(refused.stderr.contains("--allow-insecure-server"), "\(refused.stderr)")

        for (extra, environment) in [(["--allow-insecure-server"], [String: String]()), ([], ["KINVM_ALLOW_INSECURE_SERVER": "1"])] {
            let allowed = try await CLIRunner.runDetached(base + extra, environment: environment.merging(["HOME": directory]) { $1 })
            expectNoLeak(allowed, input, base + extra)
            let warnings = allowed.stderr.components(separatedBy: "warning: cluster \"c\"").count - 1
            #expect(warnings == 1, "\(allowed.stderr)")
            #expect(allowed.stderr.contains("https://127.0.0.1:1"), "it went on to connect: \(allowed.stderr)")
        }
    }

    /// A new directory holding the input's kubeconfig (as `config`) and files, and the input with
    /// its placeholders filled in.
    static func prepare(_ input: Input) async throws -> (directory: String, input: Input) {
        var input = input
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-secrets-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, content) in input.files {
            try content.write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
        }
        var kubeconfig = input.kubeconfig.replacingOccurrences(of: "DIR/", with: "\(directory)/")
        if kubeconfig.contains("CERTDATA") {
            let pair = try await clientPair()
            kubeconfig = kubeconfig.replacingOccurrences(of: "CERTDATA", with: base64(pair.certificatePEM))
                .replacingOccurrences(of: "KEYDATA", with: base64(pair.keyPEM))
            let keyLine = try #require(pair.keyPEM.split(separator: "\n").dropFirst().first.map(String.init))
            input.secrets = input.secrets.map { $0 == "KEYLINE" ? keyLine : $0 } + [base64(pair.keyPEM)]
        }
        try kubeconfig.write(toFile: "\(directory)/config", atomically: true, encoding: .utf8)
        return (directory, input)
    }
}
