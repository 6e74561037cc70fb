import AsyncHTTPClient
import Foundation
import KinvmTestSupport
import Testing
import Yams

@testable import KubeClient

/// kinvm runs as root: no error, log line or output may show a credential from a kubeconfig.
/// Every test here feeds a known marker through a path that used to print it, and first checks
/// that the marker really is in the input the old code would have quoted.
@Suite("Secrets: no credential in an error")
struct SecretHandlingTests {
    static let marker = "MARKER-S3CRET-4711"

    /// ``KubeconfigFixture/kubeconfig(user:server:cluster:)``.
    static func kubeconfig(user: String, server: String = "https://127.0.0.1:1", cluster: String = "") -> String {
        KubeconfigFixture.kubeconfig(user: user, server: server, cluster: cluster)
    }

    func expectClean(_ error: KubeError, sourceLocation: SourceLocation = #_sourceLocation) {
        for text in [error.description, error.message, error.context, String(reflecting: error)] {
            #expect(!text.contains(Self.marker), "\(text)", sourceLocation: sourceLocation)
        }
    }

    // MARK: 1. YAML errors

    @Test(
        "a YAML error on a credential's line names the file, line, column and problem, never the line",
        arguments: [
            ("    token: \(marker): x", 12, "mapping values are not allowed"),  // a second ':' on the token's line
            ("    password: '\(marker)' x", 12, ""),  // text after a quoted value
            ("    client-key-data: \"\(marker)\" trailing", 12, ""),
            ("    token: \(marker)\n    token: again", 12, "a key appears twice"),  // Yams' message holds the whole file
        ])
    func yamlErrors(user: String, line: Int, problem: String) throws {
        let yaml = Self.kubeconfig(user: user)
        // The test can fail: Yams' own message quotes the line with the marker.
        do {
            _ = try Yams.compose(yaml: yaml)
            Issue.record("the YAML parsed")
        } catch {
            #expect(String(describing: error).contains(Self.marker), "\(error)")
        }
        do {
            _ = try Kubeconfig.parse(yaml, path: "/home/u/.kube/config")
            Issue.record("parsed")
        } catch {
            expectClean(error)
            #expect(error.code == .config)
            #expect(error.message.hasPrefix("kubeconfig /home/u/.kube/config:\(line == 0 ? "" : "\(line):")"), "\(error.message)")
            #expect(error.message.contains("not valid YAML"), "\(error.message)")
            #expect(problem.isEmpty || error.message.contains(problem), "\(error.message)")
            #expect(!error.message.contains("\n"), "\(error.message)")
        }
    }

    @Test("YAMLProblem keeps position and problem, and names foreign errors by type only")
    func yamlProblem() {
        struct Leaky: Error, CustomStringConvertible { var description: String { SecretHandlingTests.marker } }
        #expect(YAMLProblem(Leaky()).description == "the YAML parser failed (Leaky)")
        #expect(YAMLProblem(line: 3, column: 7, problem: "p").described(file: "/f") == "/f:3:7: not valid YAML: p")
        #expect(YAMLProblem(line: nil, column: nil, problem: "p").described(file: "/f") == "/f: not valid YAML: p")
    }

    // MARK: 2. Tokens

    @Test(
        "an inline token that is empty, has whitespace, a line break or a control character is refused without its value",
        arguments: [
            ("\"\"", nil),  // YAML "" is no token at all: the user has no credentials
            ("\"\(marker) inside\"", "it contains whitespace"),
            ("\"\(marker)\\r\\nX-Injected: 1\"", "it contains a line break"),
            ("\"\(marker)\\n\"", "it contains a line break"),
            ("\"\(marker)\\t\"", "it contains a control character"),
            ("\"\(marker)\\u0000\"", "it contains a control character"),
            ("\"\(marker)\\u00a0x\"", "it contains whitespace"),
        ] as [(String, String?)])
    func inlineTokens(token: String, problem: String?) throws {
        let config = try Kubeconfig.parse(Self.kubeconfig(user: "    token: \(token)"), path: "/kc")
        guard let problem else {
            #expect(try config.resolve(context: nil).credentials == .none)
            return
        }
        do {
            _ = try config.resolve(context: nil)
            Issue.record("resolved")
        } catch {
            expectClean(error)
            #expect(error.message == #"token of user "u" in /kc is not a bearer token: \#(problem) (the value is not shown)"#)
            #expect(error.context == "/kc")
        }
    }

    @Test("a tokenFile that is not one token (a shadow file, empty, too large, binary) is refused without its content")
    func tokenFiles() async throws {
        try await withTemporaryDirectory { dir in
            let cases: [(content: Data, problem: String)] = [
                (Data("root:\(Self.marker):19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n".utf8), "it contains a line break"),
                (Data("\(Self.marker) \(Self.marker)\n".utf8), "it contains whitespace"),
                (Data(" \n\t\n".utf8), "it is empty"),
                (Data((Self.marker + String(repeating: "x", count: 64 * 1024)).utf8), "it is larger than 64 KiB"),
                (Data([0xFF, 0xFE] + Array(Self.marker.utf8)), "it is not UTF-8 text"),
            ]
            for (index, (content, problem)) in cases.enumerated() {
                let file = "\(dir)/token-\(index)"
                try content.write(to: URL(fileURLWithPath: file))
                let config = try Kubeconfig.parse(Self.kubeconfig(user: "    tokenFile: \(file)"), path: "/kc")
                do throws(KubeError) {
                    _ = try config.resolve(context: nil)
                    Issue.record("resolved \(problem)")
                } catch {
                    expectClean(error)
                    #expect(error.message.contains(#"tokenFile of user "u" in /kc (\#(file))"#), "\(error.message)")
                    #expect(error.message.contains(problem), "\(error.message)")
                }
            }
            // One token with surrounding whitespace is fine, as with kubectl.
            try write("\n  \(Self.marker)\n", to: "\(dir)/good")
            let good = try Kubeconfig.parse(Self.kubeconfig(user: "    tokenFile: \(dir)/good"), path: "/kc")
            #expect(try good.resolve(context: nil).credentials == .bearerToken(Redacted(Self.marker)))
        }
    }

    // MARK: 3. The Authorization header

    @Test("an access made without resolve, with a token holding CR/LF, fails before any request and without the token")
    func headerInjection() throws {
        let access = ClusterAccess(
            userName: "u", server: "https://127.0.0.1:1", caCertificatePEM: nil,
            credentials: .bearerToken(Redacted("\(Self.marker)\r\nX-Injected: 1")), source: "/kc")
        do {
            _ = try Endpoint(access: access)
            Issue.record("an endpoint was made")
        } catch {
            expectClean(error)
            #expect(error.message.contains(#"the bearer token of user "u" in /kc is not a bearer token: it contains a line break"#))
        }
        // And should the HTTP client refuse a header itself, its error is reported without the values.
        let refused = HTTPClientError.invalidHeaderFieldValues(["Bearer \(Self.marker)\r\n"])
        #expect(String(describing: refused).contains(Self.marker))
        expectClean(TLSSettings.classify(refused, context: "GET /api on https://127.0.0.1:1", access: access, timeout: .seconds(1)))
    }

    @Test("credentials print as <redacted>: in an access, in dump, in a kubeconfig user")
    func redactedPrinting() throws {
        let secret = Redacted(Self.marker)
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "Redacted(<redacted>)")
        #expect(secret.revealed == Self.marker)
        for credentials in [
            ClusterAccess.Credentials.bearerToken(secret), .basic(user: "u", password: secret),
            .clientCertificate(certificatePEM: "C", keyPEM: secret),
        ] {
            let access = ClusterAccess(server: "https://127.0.0.1:1", caCertificatePEM: nil, credentials: credentials)
            var dumped = ""
            dump(access, to: &dumped)
            for text in ["\(access)", String(reflecting: access), dumped] {
                #expect(!text.contains(Self.marker), "\(text)")
            }
        }
        let config = try Kubeconfig.parse(
            Self.kubeconfig(user: "    {token: \(Self.marker), password: \(Self.marker), client-key-data: \(base64(Self.marker))}"), path: "/kc")
        var dumped = ""
        dump(config, to: &dumped)
        #expect(!dumped.contains(Self.marker) && !"\(config)".contains(Self.marker), "\(dumped)")
    }

    // MARK: 4. Server URLs with a password

    @Test(
        "userinfo is replaced by REDACTED or removed, also in text that is not a URL",
        arguments: [
            ("https://admin:pw@h:6443/p@x", "https://REDACTED@h:6443/p@x", "https://h:6443/p@x"),
            ("https://pw@h", "https://REDACTED@h", "https://h"),
            ("https://a:b@c@h?x=@", "https://REDACTED@h?x=@", "https://h?x=@"),
            ("user:pw@h:1", "REDACTED@h:1", "h:1"),
            ("https://h:6443", "https://h:6443", "https://h:6443"),
            ("", "", ""),
        ])
    func serverURLs(text: String, redacted: String, removed: String) {
        #expect(ServerURL.redacted(text) == redacted)
        #expect(ServerURL.removingUserInfo(text) == removed)
    }

    @Test("a server URL with a password is never shown: not in the access, not in resolve's errors, not in a connection error")
    func serverPasswords() async throws {
        let config = try Kubeconfig.parse(
            Self.kubeconfig(user: "    token: t", server: "https://admin:\(Self.marker)@127.0.0.1:1/prefix"), path: "/kc")
        let access = try config.resolve(context: nil)
        #expect(access.server == "https://127.0.0.1:1/prefix")
        var changed = access
        changed.server = "https://x:\(Self.marker)@127.0.0.1:2"
        #expect(changed.server == "https://127.0.0.1:2")

        let client = try KubeClient(access: access, timeout: .seconds(5))
        do {
            _ = try await client.request(method: "GET", path: "/api/v1/nodes")
            Issue.record("a server answered on 127.0.0.1:1")
        } catch {
            expectClean(error)
            #expect(error.description.contains("https://127.0.0.1:1/prefix"), "\(error)")
        }
        try await client.shutdown()

        for (cluster, shown) in [
            ("server: \"ftp://admin:\(Self.marker)@h\"", "ftp://REDACTED@h"),
            ("server: \"https://h\"\n    proxy-url: \"http://p:\(Self.marker)@proxy:3128\"", "http://REDACTED@proxy:3128"),
        ] {
            let yaml = "current-context: c\nclusters:\n- name: c\n  cluster:\n    \(cluster)\ncontexts:\n- name: c\n  context: {cluster: c}\n"
            do {
                _ = try Kubeconfig.parse(yaml, path: "/kc").resolve(context: nil)
                Issue.record("resolved")
            } catch {
                expectClean(error)
                #expect(error.message.contains(shown), "\(error.message)")
            }
        }
    }

    // MARK: 7. Connections that do not verify the server

    @Test(
        "http:// and insecure-skip-tls-verify are refused, naming the cluster and the file, unless allowed",
        arguments: [
            ("server: \"http://127.0.0.1:1\"", "plain http://"),
            ("server: \"https://127.0.0.1:1\"\n    insecure-skip-tls-verify: true", "insecure-skip-tls-verify: true"),
        ])
    func insecureConnections(cluster: String, reason: String) async throws {
        let yaml = "current-context: c\nclusters:\n- name: lab\n  cluster:\n    \(cluster)\n"
            + "users:\n- name: u\n  user: {token: \(Self.marker)}\ncontexts:\n- name: c\n  context: {cluster: lab, user: u}\n"
        let config = try Kubeconfig.parse(yaml, path: "/home/u/.kube/config")
        do {
            _ = try config.resolve(context: nil)
            Issue.record("resolved")
        } catch {
            expectClean(error)
            #expect(error.code == .insecure)
            #expect(error.message.hasPrefix(#"cluster "lab" in /home/u/.kube/config: "#), "\(error.message)")
            #expect(error.message.contains(reason), "\(error.message)")
        }
        let allowed = try config.resolve(context: nil, allowInsecure: true)
        #expect(allowed.allowsInsecureTransport && allowed.insecurity?.contains(reason) == true)
        // The client refuses such an access too when it was not allowed where it was made.
        var unallowed = allowed
        unallowed.allowsInsecureTransport = false
        #expect(throws: KubeError.self) { _ = try KubeClient(access: unallowed) }
        let client = try KubeClient(access: allowed)
        try await client.shutdown()
    }
}
