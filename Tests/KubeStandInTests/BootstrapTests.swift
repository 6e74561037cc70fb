import Foundation
import Testing
@testable import KubeStandIn

/// What joining nodes rely on: cluster-info signatures, CSR signing, /cacerts and k3s credentials.
@Suite(.timeLimit(.minutes(3))) struct BootstrapTests {
    static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }

    @Test func clusterInfoIsSignedPerBootstrapToken() async throws {
        var configuration = StandInConfiguration()
        configuration.guestServerURL = "https://10.0.2.2:6443"
        try await StandInFixture.with(configuration) { standIn in
            let secret = bootstrapTokenSecret(id: "abcdef", secret: "0123456789abcdef", expiration: Date().addingTimeInterval(3600))
            #expect(try await standIn.curl("POST", "/api/v1/namespaces/kube-system/secrets", body: secret).code == 201)
            let expired = bootstrapTokenSecret(id: "oldtok", secret: "0123456789abcdef", expiration: Date().addingTimeInterval(-10))
            #expect(try await standIn.curl("POST", "/api/v1/namespaces/kube-system/secrets", body: expired).code == 201)

            let info = try await standIn.curl("GET", "/api/v1/namespaces/kube-public/configmaps/cluster-info", as: .anonymous)
            #expect(info.code == 200)
            let data = try #require(info.json?["data"]?.stringMap)
            #expect(data["jws-kubeconfig-oldtok"] == nil)
            let kubeconfig = try #require(data["kubeconfig"])
            #expect(kubeconfig.contains("server: \"https://10.0.2.2:6443\""))
            #expect(kubeconfig.contains(Data(standIn.server.caCertificatePEM.utf8).base64EncodedString()))

            let jws = try #require(data["jws-kubeconfig-abcdef"])
            let parts = jws.split(separator: ".", omittingEmptySubsequences: false)
            try #require(parts.count == 3)
            #expect(parts[1].isEmpty)
            let header = try #require(Self.base64URLDecode(parts[0]))
            #expect(JSON.parse(Array(header)) == ["alg": "HS256", "kid": "abcdef"])
            let payload = DetachedJWS.base64URL(Data(kubeconfig.utf8))
            // The signing input uses the payload as published; recomputed here with openssl's HMAC.
            let expected = try await Self.opensslHMACBinary(key: "abcdef.0123456789abcdef", message: "\(parts[0]).\(payload)", in: standIn)
            #expect(Self.base64URLDecode(parts[2]) == expected)
            let wrongKey = try await Self.opensslHMACBinary(key: "abcdef.0000000000000000", message: "\(parts[0]).\(payload)", in: standIn)
            #expect(Self.base64URLDecode(parts[2]) != wrongKey)

            // Deleting the token removes its signature.
            #expect(try await standIn.curl("DELETE", "/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef").code == 200)
            let after = try await standIn.curl("GET", "/api/v1/namespaces/kube-public/configmaps/cluster-info", as: .anonymous)
            #expect(after.json?[path: ["data", "jws-kubeconfig-abcdef"]] == nil)
        }
    }

    /// openssl writes binary HMAC output; read it from a file to keep the bytes intact.
    static func opensslHMACBinary(key: String, message: String, in standIn: StandInFixture) async throws -> Data {
        let input = try standIn.write(message, to: "hmac-in-\(UUID().uuidString)")
        let output = standIn.directory.appendingPathComponent("hmac-out-\(UUID().uuidString)").path
        let result = try await runProcess("/usr/bin/openssl", ["dgst", "-sha256", "-hmac", key, "-binary", "-out", output, input], timeout: .seconds(20))
        try #require(result.status == 0, "\(result.stderr)")
        return try Data(contentsOf: URL(fileURLWithPath: output))
    }

    @Test func kubeletClientCSRIsApprovedAndSigned() async throws {
        try await StandInFixture.with { standIn in
            let secret = bootstrapTokenSecret(id: "abcdef", secret: "0123456789abcdef", expiration: Date().addingTimeInterval(3600))
            #expect(try await standIn.curl("POST", "/api/v1/namespaces/kube-system/secrets", body: secret).code == 201)
            let keyPath = standIn.directory.appendingPathComponent("kubelet.key").path
            let csrPath = standIn.directory.appendingPathComponent("kubelet.csr").path
            let generated = try await runProcess(
                "/usr/bin/openssl",
                ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", keyPath, "-out", csrPath,
                 "-subj", "/O=system:nodes/CN=system:node:w1"], timeout: .seconds(30))
            try #require(generated.status == 0, "\(generated.stderr)")
            let request = try Data(contentsOf: URL(fileURLWithPath: csrPath)).base64EncodedString()
            let csr = """
                {"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"generateName":"csr-"},
                 "spec":{"request":"\(request)","signerName":"kubernetes.io/kube-apiserver-client-kubelet","usages":["digital signature","client auth"]}}
                """
            let token = StandInFixture.Credentials.bearer("abcdef.0123456789abcdef")
            let created = try await standIn.curl("POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests", body: csr, as: token)
            #expect(created.code == 201)
            let name = try #require(created.json?[path: ["metadata", "name"]]?.string)
            #expect(name.hasPrefix("csr-") && name.count == 9)
            #expect(created.json?[path: ["spec", "username"]] == "system:bootstrap:abcdef")

            let fetched = try await standIn.curl("GET", "/apis/certificates.k8s.io/v1/certificatesigningrequests/\(name)", as: token)
            #expect(fetched.json?[path: ["status", "conditions"]]?.array?.first?["type"] == "Approved")
            let encoded = try #require(fetched.json?[path: ["status", "certificate"]]?.string)
            let certificatePEM = String(decoding: try #require(Data(base64Encoded: encoded)), as: UTF8.self)
            let certPath = try standIn.write(certificatePEM, to: "kubelet.pem")
            let verified = try await runProcess("/usr/bin/openssl", ["verify", "-CAfile", standIn.caPath, certPath], timeout: .seconds(20))
            #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
            let subject = try await runProcess("/usr/bin/openssl", ["x509", "-noout", "-subject", "-in", certPath], timeout: .seconds(20))
            #expect(subject.stdout.contains("system:nodes") && subject.stdout.contains("system:node:w1"), "\(subject.stdout)")

            // The signed certificate authenticates as the node.
            let asNode = StandInFixture.Credentials.certificate(certPath: certPath, keyPath: keyPath)
            #expect(try await standIn.curl("POST", "/api/v1/nodes", body: #"{"metadata":{"name":"w1"}}"#, as: asNode).code == 201)
            #expect(try await standIn.curl("GET", "/api/v1/nodes/w1", as: asNode).code == 200)
            let forbidden = try await standIn.curl("GET", "/api/v1/namespaces/kube-system/secrets", as: asNode)
            #expect(forbidden.code == 403)
            #expect(forbidden.json?["message"]?.string?.contains("User \"system:node:w1\" cannot list resource \"secrets\"") == true)
        }
    }

    @Test func k3sCACertsAndNodePassword() async throws {
        var configuration = StandInConfiguration()
        configuration.k3sToken = "sekrit"
        try await StandInFixture.with(configuration) { standIn in
            let cacerts = try await standIn.curl("GET", "/cacerts", as: .anonymous)
            #expect(cacerts.code == 200)
            #expect(cacerts.text == standIn.server.caCertificatePEM)
            #expect(cacerts.text.hasPrefix("-----BEGIN CERTIFICATE-----"))
            #expect(try await standIn.curl("GET", "/api/v1/nodes", as: .basic(user: "node", password: "sekrit")).code == 200)
            #expect(try await standIn.curl("GET", "/api/v1/nodes", as: .basic(user: "node", password: "wrong")).code == 401)
            #expect(try await standIn.curl("GET", "/api/v1/secrets", as: .basic(user: "node", password: "sekrit")).code == 403)
        }
    }
}
