import Foundation
import Testing
@testable import KubeStandIn

/// A server restarted with the same `pkiDirectory` and `stateFile` is the same cluster: same CA,
/// same objects, and every certificate the first one issued still authenticates.
@Suite(.timeLimit(.minutes(3))) struct PersistenceTests {
    /// A scratch directory for `body`, removed afterwards.
    static func withDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standin-persist-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try await body(directory)
    }

    static func configuration(_ directory: String, sans: [String]? = nil) -> StandInConfiguration {
        var configuration = StandInConfiguration()
        configuration.pkiDirectory = "\(directory)/pki"
        configuration.stateFile = "\(directory)/state/state.json"
        if let sans { configuration.subjectAlternativeNames = sans }
        return configuration
    }

    static let node = #"{"apiVersion":"v1","kind":"Node","metadata":{"name":"w1","labels":{"tier":"web"}}}"#

    @Test func restartKeepsTheCAObjectsAndIssuedCertificates() async throws {
        try await Self.withDirectory { directory in
            let configuration = Self.configuration(directory)
            let (firstCA, aliceCert, aliceKey) = try await StandInFixture.with(configuration) { standIn in
                #expect(try await standIn.curl("POST", "/api/v1/nodes", body: Self.node).code == 201)
                let secret = bootstrapTokenSecret(id: "abcdef", secret: "0123456789abcdef", expiration: Date().addingTimeInterval(3600))
                #expect(try await standIn.curl("POST", "/api/v1/namespaces/kube-system/secrets", body: secret).code == 201)
                let gone = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"gone","namespace":"default"}}"#
                #expect(try await standIn.curl("POST", "/api/v1/namespaces/default/configmaps", body: gone).code == 201)
                #expect(try await standIn.curl("DELETE", "/api/v1/namespaces/default/configmaps/gone").code == 200)
                let alice = try standIn.server.issueClientCertificate(user: "alice", groups: ["system:masters"])
                let cert = "\(directory)/alice.crt"
                let key = "\(directory)/alice.key"
                try alice.certificatePEM.write(toFile: cert, atomically: true, encoding: .utf8)
                try alice.keyPEM.write(toFile: key, atomically: true, encoding: .utf8)
                return (standIn.server.caCertificatePEM, cert, key)
            }
            let attributes = try FileManager.default.attributesOfItem(atPath: configuration.stateFile!)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let keyAttributes = try FileManager.default.attributesOfItem(atPath: "\(directory)/pki/ca.key")
            #expect((keyAttributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

            try await StandInFixture.with(configuration) { standIn in
                #expect(standIn.server.caCertificatePEM == firstCA)
                let node = try #require(standIn.object("/api/v1/nodes/w1"))
                #expect(node[path: ["metadata", "labels", "tier"]] == "web")
                #expect(standIn.object("/api/v1/namespaces/default/configmaps/gone") == nil)
                // Issued by the first process, accepted by the second.
                let nodes = try await standIn.curl("GET", "/api/v1/nodes", as: .certificate(certPath: aliceCert, keyPath: aliceKey))
                #expect(nodes.code == 200)
                #expect(nodes.text.contains("\"w1\""))
                // The restored bootstrap token signs cluster-info again and still authenticates.
                let info = try #require(standIn.object("/api/v1/namespaces/kube-public/configmaps/cluster-info"))
                #expect(info[path: ["data", "jws-kubeconfig-abcdef"]] != nil)
                let csrs = try await standIn.curl(
                    "GET", "/apis/certificates.k8s.io/v1/certificatesigningrequests", as: .bearer("abcdef.0123456789abcdef"))
                #expect(csrs.code == 200)
                // Writes go on from a consistent resourceVersion and are persisted again.
                let patched = try await standIn.curl(
                    "PATCH", "/api/v1/nodes/w1", body: #"{"metadata":{"labels":{"tier":"db"}}}"#,
                    contentType: "application/merge-patch+json")
                #expect(patched.code == 200)
                let version = Int(patched.json?[path: ["metadata", "resourceVersion"]]?.string ?? "") ?? 0
                let list = try await standIn.curl("GET", "/api/v1/nodes")
                #expect(version > 0)
                #expect(list.json?[path: ["metadata", "resourceVersion"]]?.string == String(version))
            }
            try await StandInFixture.with(configuration) { standIn in
                #expect(standIn.object("/api/v1/nodes/w1")?[path: ["metadata", "labels", "tier"]] == "db")
            }
        }
    }

    @Test func servingCertificateFollowsTheSANsUnderTheSameCA() async throws {
        try await Self.withDirectory { directory in
            let first = try await StandInAPIServer.start(Self.configuration(directory))
            let ca = first.caCertificatePEM
            try await first.shutdown()
            let servingBefore = try String(contentsOfFile: "\(directory)/pki/apiserver.crt", encoding: .utf8)
            let again = try await StandInAPIServer.start(Self.configuration(directory))
            try await again.shutdown()
            #expect(try String(contentsOfFile: "\(directory)/pki/apiserver.crt", encoding: .utf8) == servingBefore)

            try await StandInFixture.with(Self.configuration(directory, sans: ["127.0.0.1", "cp.example.test"])) { standIn in
                #expect(standIn.server.caCertificatePEM == ca)
                #expect(try String(contentsOfFile: "\(directory)/pki/apiserver.crt", encoding: .utf8) != servingBefore)
                // curl checks the new name against the certificate, and the chain against the kept CA.
                let port = standIn.server.port
                let result = try await runProcess(
                    "/usr/bin/curl",
                    ["-sS", "--noproxy", "*", "--cacert", standIn.caPath, "--resolve", "cp.example.test:\(port):127.0.0.1",
                     "https://cp.example.test:\(port)/readyz"], timeout: .seconds(20))
                #expect(result.status == 0, "\(result.stderr)")
                #expect(result.stdout == "ok")
            }
        }
    }

    @Test func aStateFileThatIsNotOneFailsTheStartNamingIt() async throws {
        try await Self.withDirectory { directory in
            let configuration = Self.configuration(directory)
            try FileManager.default.createDirectory(atPath: "\(directory)/state", withIntermediateDirectories: true)
            try "{\"kind\":\"Something\"}".write(toFile: configuration.stateFile!, atomically: true, encoding: .utf8)
            do {
                let server = try await StandInAPIServer.start(configuration)
                try await server.shutdown()
                Issue.record("the server started with a foreign state file")
            } catch {
                #expect("\(error)".contains(configuration.stateFile!))
            }
        }
    }

    @Test func k3sNodeTokenHashesTheServedCABundleAndKeepsItsPassword() async throws {
        try await Self.withDirectory { directory in
            let file = "\(directory)/k3s/token"
            let password = try K3sNodeToken.password(file: file)
            #expect(password.count == 32 && password.allSatisfy(\.isHexDigit))
            #expect(try K3sNodeToken.password(file: file) == password)
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            #expect(K3sNodeToken.password(of: "K10abc::server:s3cret\n") == "s3cret")
            #expect(K3sNodeToken.password(of: "plain") == "plain")

            try await StandInFixture.with { standIn in
                let token = K3sNodeToken.make(caCertificatePEM: standIn.server.caCertificatePEM, password: password)
                let hash = try await runProcess(
                    "/bin/sh", ["-c", "curl -sS --noproxy '*' --fail --cacert \"$1\" \"$2/cacerts\" | sha256sum", "sh", standIn.caPath, standIn.server.url],
                    timeout: .seconds(20))
                #expect(token == "K10\(hash.stdout.prefix(64))::server:\(password)")
            }
        }
    }
}
