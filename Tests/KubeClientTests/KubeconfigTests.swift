import Foundation
import Testing

@testable import KubeClient

struct KubeconfigTests {
    static let caPEM = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"

    @Test("an endless or huge kubeconfig is refused after its limit, not read whole")
    func endlessFile() {
        do {
            _ = try Kubeconfig.read("/dev/zero")
            Issue.record("/dev/zero was read as a kubeconfig")
        } catch {
            #expect(error.code == .config && error.message.contains("cannot read kubeconfig /dev/zero: it is larger than"), "\(error)")
        }
    }

    static func file(context: String, cluster: String, user: String, server: String, current: String? = nil, extraUser: String = "") -> String {
        """
        apiVersion: v1
        kind: Config
        \(current.map { "current-context: \($0)" } ?? "")
        clusters:
        - name: \(cluster)
          cluster:
            server: \(server)
            certificate-authority-data: \(base64(caPEM))
        users:
        - name: \(user)
          user:
            token: token-of-\(user)
        \(extraUser)
        contexts:
        - name: \(context)
          context:
            cluster: \(cluster)
            user: \(user)
            namespace: ns-\(context)
        """
    }

    @Test func parsesClustersUsersAndContexts() throws {
        let yaml = """
            apiVersion: v1
            kind: Config
            current-context: admin@lab
            clusters:
            - name: lab
              cluster:
                server: https://10.0.0.1:6443
                certificate-authority-data: \(base64(Self.caPEM))
                tls-server-name: kubernetes.default
            users:
            - name: admin
              user:
                client-certificate-data: \(base64("CERT"))
                client-key-data: \(base64("KEY"))
            contexts:
            - name: admin@lab
              context: {cluster: lab, user: admin}
            preferences: {}
            """
        let config = try Kubeconfig.parse(yaml, path: "/etc/kube/config")
        let access = try config.resolve(context: nil)
        #expect(access.contextName == "admin@lab")
        #expect(access.server == "https://10.0.0.1:6443")
        #expect(access.caCertificatePEM == Self.caPEM)
        #expect(access.tlsServerName == "kubernetes.default")
        #expect(access.insecureSkipTLSVerify == false)
        #expect(access.credentials == .clientCertificate(certificatePEM: "CERT", keyPEM: "KEY"))
        #expect(access.namespace == nil)
    }

    @Test func mergesKubeconfigListWithTheFirstFileWinning() async throws {
        try await withTemporaryDirectory { dir in
            // a and b both define cluster "shared", user "u" and context "both"; a sets no current-context,
            // b sets "only-b", c sets "both"; a is listed twice and a missing file is skipped.
            try write(
                Self.file(context: "both", cluster: "shared", user: "u", server: "https://a.example:6443"), to: "\(dir)/a.yaml")
            try write(
                Self.file(context: "both", cluster: "shared", user: "u", server: "https://b.example:6443", current: "only-b")
                    + "\n- name: only-b\n  context: {cluster: shared, user: u}\n",
                to: "\(dir)/b.yaml")
            try write(
                Self.file(context: "c-ctx", cluster: "c-cluster", user: "c-user", server: "https://c.example:6443", current: "both"),
                to: "\(dir)/c.yaml")
            let environment = ["KUBECONFIG": "\(dir)/a.yaml::\(dir)/missing.yaml:\(dir)/b.yaml:\(dir)/c.yaml:\(dir)/a.yaml", "HOME": dir]
            let config = try Kubeconfig.load(explicitPath: nil, environment: environment)
            #expect(config.files == ["\(dir)/a.yaml", "\(dir)/b.yaml", "\(dir)/c.yaml"])
            // current-context: the first file that sets it (b), not the last (c).
            #expect(config.currentContext == "only-b")
            let current = try config.resolve(context: nil)
            #expect(current.contextName == "only-b")
            // cluster "shared" from a, the first file that defines it.
            #expect(current.server == "https://a.example:6443")
            #expect(try config.resolve(context: "both").namespace == "ns-both")
            #expect(config.contexts["both"]?.origin == "\(dir)/a.yaml")
            let fromC = try config.resolve(context: "c-ctx")
            #expect(fromC.server == "https://c.example:6443")
            #expect(fromC.credentials == .bearerToken("token-of-c-user"))
        }
    }

    @Test func explicitPathIgnoresKubeconfigVariable() async throws {
        try await withTemporaryDirectory { dir in
            try write(Self.file(context: "x", cluster: "x", user: "x", server: "https://x:1", current: "x"), to: "\(dir)/x.yaml")
            try write(Self.file(context: "y", cluster: "y", user: "y", server: "https://y:1", current: "y"), to: "\(dir)/y.yaml")
            let config = try Kubeconfig.load(explicitPath: "\(dir)/x.yaml", environment: ["KUBECONFIG": "\(dir)/y.yaml"])
            #expect(config.files == ["\(dir)/x.yaml"])
            #expect(try config.resolve(context: nil).server == "https://x:1")
            let error = await expectKubeError(.config) {
                _ = try Kubeconfig.load(explicitPath: "\(dir)/nope.yaml", environment: ["KUBECONFIG": "\(dir)/y.yaml"])
            }
            #expect(error?.description.contains("\(dir)/nope.yaml does not exist") == true)
        }
    }

    @Test func defaultsToHomeKubeConfig() async throws {
        try await withTemporaryDirectory { dir in
            try write(Self.file(context: "h", cluster: "h", user: "h", server: "https://home:6443", current: "h"), to: "\(dir)/.kube/config")
            let config = try Kubeconfig.load(explicitPath: nil, environment: ["HOME": dir])
            #expect(try config.resolve(context: nil).server == "https://home:6443")
            #expect(try Kubeconfig.load(explicitPath: nil, environment: ["HOME": dir, "KUBECONFIG": ""]).files == ["\(dir)/.kube/config"])
            let empty = try Kubeconfig.load(explicitPath: nil, environment: ["HOME": "\(dir)/elsewhere"])
            let error = await expectKubeError(.config) { _ = try empty.resolve(context: nil) }
            #expect(error?.message == "current-context is not set in (no kubeconfig file) and no context was given (--context)")
        }
    }

    @Test func relativePathsAreRelativeToTheirOwnFile() async throws {
        try await withTemporaryDirectory { dir in
            try write("CA-FROM-FILE", to: "\(dir)/one/pki/ca.crt")
            try write("CERT-FROM-FILE", to: "\(dir)/two/certs/client.crt")
            try write("KEY-FROM-FILE", to: "\(dir)/two/certs/client.key")
            try write("  tok-from-file\n", to: "\(dir)/two/token")
            try write(
                """
                current-context: c
                clusters:
                - name: c
                  cluster: {server: "https://one:6443", certificate-authority: pki/ca.crt}
                contexts:
                - name: c
                  context: {cluster: c, user: certs}
                - name: t
                  context: {cluster: c, user: tokens}
                """, to: "\(dir)/one/config")
            try write(
                """
                users:
                - name: certs
                  user: {client-certificate: certs/client.crt, client-key: ./certs/../certs/client.key}
                - name: tokens
                  user: {tokenFile: token}
                """, to: "\(dir)/two/config")
            let config = try Kubeconfig.load(explicitPath: nil, environment: ["KUBECONFIG": "\(dir)/one/config:\(dir)/two/config"])
            #expect(config.clusters["c"]?.certificateAuthority == "\(dir)/one/pki/ca.crt")
            let access = try config.resolve(context: nil)
            #expect(access.caCertificatePEM == "CA-FROM-FILE")
            #expect(access.credentials == .clientCertificate(certificatePEM: "CERT-FROM-FILE", keyPEM: "KEY-FROM-FILE"))
            #expect(try config.resolve(context: "t").credentials == .bearerToken("tok-from-file"))
        }
    }

    @Test func missingContextClusterAndUserNameWhatAndWhere() throws {
        let yaml = """
            current-context: ghost
            clusters:
            - name: real
              cluster: {server: "https://real:6443"}
            users:
            - name: me
              user: {token: t}
            contexts:
            - name: no-cluster
              context: {cluster: absent, user: me}
            - name: no-user
              context: {cluster: real, user: nobody}
            - name: empty-cluster
              context: {user: me}
            """
        let config = try Kubeconfig.parse(yaml, path: "/k/config")
        let messages: [(String?, String)] = [
            (nil, #"context "ghost" not found in /k/config (contexts: "empty-cluster", "no-cluster", "no-user")"#),
            ("other", #"context "other" not found in /k/config"#),
            ("no-cluster", #"cluster "absent" (of context "no-cluster" in /k/config) not found in /k/config"#),
            ("no-user", #"user "nobody" (of context "no-user" in /k/config) not found in /k/config"#),
            ("empty-cluster", #"context "empty-cluster" in /k/config names no cluster"#),
        ]
        for (context, expected) in messages {
            do {
                _ = try config.resolve(context: context)
                Issue.record("\(String(describing: context)) resolved")
            } catch {
                #expect(error.code == .config)
                #expect(error.message.hasPrefix(expected), "\(error.message)")
            }
        }
    }

    @Test func badYAMLNamesTheFile() async throws {
        try await withTemporaryDirectory { dir in
            try write("clusters: [\n  - name: a\n  bad: : :\n", to: "\(dir)/broken")
            let error = await expectKubeError(.config) { _ = try Kubeconfig.load(explicitPath: "\(dir)/broken", environment: [:]) }
            #expect(error?.message.hasPrefix("kubeconfig \(dir)/broken:") == true, "\(String(describing: error))")
            #expect(error?.message.contains("not valid YAML") == true, "\(String(describing: error))")
            try write("- just\n- a list\n", to: "\(dir)/list")
            let listError = await expectKubeError(.config) { _ = try Kubeconfig.load(explicitPath: "\(dir)/list", environment: [:]) }
            #expect(listError?.message == "kubeconfig \(dir)/list is not a YAML mapping (kind: Config)")
            // In a KUBECONFIG list too: the broken file is named.
            try write(Self.file(context: "x", cluster: "x", user: "x", server: "https://x:1"), to: "\(dir)/good")
            let listed = await expectKubeError(.config) {
                _ = try Kubeconfig.load(explicitPath: nil, environment: ["KUBECONFIG": "\(dir)/good:\(dir)/broken"])
            }
            #expect(listed?.message.contains("\(dir)/broken") == true)
        }
    }

    @Test(arguments: [
        ("clusters: {a: b}", "clusters must be a list"),
        ("clusters:\n- cluster: {server: x}", "clusters[0] has no name"),
        ("clusters:\n- {name: a}\n- {name: a}", #"clusters has two entries named "a""#),
        ("clusters:\n- name: a\n  cluster: {certificate-authority-data: '!!notbase64'}", #"cluster "a": certificate-authority-data is not valid base64"#),
        ("clusters:\n- name: a\n  cluster: {insecure-skip-tls-verify: maybe}", #"cluster "a": insecure-skip-tls-verify must be true or false, not "maybe""#),
        ("users:\n- name: u\n  user: [1]", #"user "u" must be a mapping"#),
    ])
    func malformedEntriesAreNamed(yaml: String, expected: String) {
        do {
            _ = try Kubeconfig.parse(yaml, path: "/p/kc")
            Issue.record("parsed")
        } catch {
            #expect(error.message == "kubeconfig /p/kc: \(expected)")
            #expect(error.context == "/p/kc")
        }
    }

    @Test func execPluginAndAuthProviderAreRefusedByName() throws {
        let yaml = """
            clusters:
            - name: eks
              cluster: {server: "https://eks.example"}
            users:
            - name: X
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  command: aws-iam-authenticator
                  args: [token, -i, cluster]
            - name: G
              user:
                auth-provider:
                  name: gcp
                  config: {}
            contexts:
            - name: eks
              context: {cluster: eks, user: X}
            - name: gke
              context: {cluster: eks, user: G}
            """
        let config = try Kubeconfig.parse(yaml, path: "/home/u/.kube/config")
        do {
            _ = try config.resolve(context: "eks")
            Issue.record("exec resolved")
        } catch {
            #expect(error.code == .unsupported)
            #expect(
                error.message.hasPrefix(
                    #"user "X" in /home/u/.kube/config uses an exec credential plugin (aws-iam-authenticator), which kinvm does not support; "#))
        }
        do {
            _ = try config.resolve(context: "gke")
            Issue.record("auth-provider resolved")
        } catch {
            #expect(error.code == .unsupported)
            #expect(error.message.contains(#"uses the auth provider "gcp", which kinvm does not support"#))
        }
    }

    @Test func insecureOnlyWhenExplicit() throws {
        func access(_ clusterBody: String) throws(KubeError) -> ClusterAccess {
            try access(clusterBody, allowInsecure: true)
        }
        func access(_ clusterBody: String, allowInsecure: Bool) throws(KubeError) -> ClusterAccess {
            let yaml = """
                current-context: c
                clusters:
                - name: c
                  cluster: {server: "https://h:1"\(clusterBody)}
                contexts:
                - name: c
                  context: {cluster: c}
                """
            return try Kubeconfig.parse(yaml, path: "/kc").resolve(context: nil, allowInsecure: allowInsecure)
        }
        #expect(try access("").insecureSkipTLSVerify == false)
        #expect(try access("", allowInsecure: false).insecurity == nil)
        #expect(try access(", insecure-skip-tls-verify: false").insecureSkipTLSVerify == false)
        #expect(try access(", insecure-skip-tls-verify: \"true\"").insecureSkipTLSVerify == true)
        #expect(try access(", insecure-skip-tls-verify: true").insecureSkipTLSVerify == true)
        #expect(try access("").credentials == .none)
        do {
            _ = try access(", insecure-skip-tls-verify: true, certificate-authority-data: \(base64("x"))")
            Issue.record("CA and insecure resolved")
        } catch {
            #expect(error.message.contains("specifying a root certificates file with the insecure flag is not allowed"))
        }
    }

    @Test func credentialCombinations() throws {
        func credentials(_ userBody: String) throws(KubeError) -> ClusterAccess.Credentials {
            let yaml = """
                current-context: c
                clusters:
                - name: c
                  cluster: {server: "https://h:1"}
                users:
                - name: u
                  user: {\(userBody)}
                contexts:
                - name: c
                  context: {cluster: c, user: u}
                """
            return try Kubeconfig.parse(yaml, path: "/kc").resolve(context: nil).credentials
        }
        #expect(try credentials("username: admin, password: s3cret") == .basic(user: "admin", password: "s3cret"))
        #expect(try credentials("token: '0123'") == .bearerToken("0123"))
        #expect(try credentials("token: 0123") == .bearerToken("0123"))  // a YAML number stays as written
        #expect(try credentials("token: abc, tokenFile: /nonexistent") == .bearerToken("abc"))
        for (body, expected) in [
            ("client-certificate-data: \(base64("C"))", #"user "u" in /kc has a client certificate but no client-key"#),
            ("client-key-data: \(base64("K"))", #"user "u" in /kc has a client key but no client-certificate"#),
            ("token: a, username: b", #"user "u" in /kc sets both a token and a username/password"#),
            ("client-certificate: /nonexistent/c.crt, client-key: /x", #"cannot read client-certificate of user "u" in /kc (/nonexistent/c.crt): no such file"#),
            ("tokenFile: /nonexistent/token", #"cannot read tokenFile of user "u" in /kc (/nonexistent/token): no such file"#),
        ] {
            do {
                _ = try credentials(body)
                Issue.record("\(body) resolved")
            } catch {
                #expect(error.code == .config)
                #expect(error.message.hasPrefix(expected), "\(error.message)")
            }
        }
    }

    @Test func serverMustBeAnHTTPURL() throws {
        let yaml = "current-context: c\nclusters:\n- name: c\n  cluster: {server: \"ftp://x\"}\ncontexts:\n- name: c\n  context: {cluster: c}\n"
        #expect(throws: KubeError.self) { try Kubeconfig.parse(yaml, path: "/kc").resolve(context: nil) }
        let none = "current-context: c\nclusters:\n- name: c\n  cluster: {}\ncontexts:\n- name: c\n  context: {cluster: c}\n"
        do {
            _ = try Kubeconfig.parse(none, path: "/kc").resolve(context: nil)
            Issue.record("resolved without server")
        } catch {
            #expect(error.message == #"cluster "c" in /kc has no server"#)
        }
    }

    @Test func emptyFileIsAnEmptyConfig() throws {
        let config = try Kubeconfig.parse("", path: "/empty")
        #expect(config.contexts.isEmpty && config.files == ["/empty"])
    }
}

struct FilePathsTests {
    @Test(arguments: [("/a/b", "/a"), ("/a", "/"), ("a", "."), ("a/b/c", "a/b"), ("/", "/")])
    func directoryOf(path: String, directory: String) {
        #expect(FilePaths.directory(of: path) == directory)
    }

    @Test(arguments: [
        ("pki/ca.crt", "/etc/k", "/etc/k/pki/ca.crt"), ("/abs/x", "/etc/k", "/abs/x"), ("../x", "/etc/k", "/etc/x"),
        ("./a/./b/../c", "/d", "/d/a/c"), ("../../../x", "/a", "/x"), ("x", ".", "x"), ("../x", ".", "../x"),
    ])
    func resolveRelative(file: String, directory: String, expected: String) {
        #expect(FilePaths.resolve(file, relativeTo: directory) == expected)
    }

    /// A kubeconfig named without a directory (e.g. `--kubeconfig config`) takes its relative paths from ".".
    @Test func bareFileName() throws {
        let config = try Kubeconfig.parse("clusters:\n- name: c\n  cluster: {server: 'https://x', certificate-authority: ca.crt}\n", path: "config")
        #expect(config.clusters["c"]?.certificateAuthority == "ca.crt")
    }
}
