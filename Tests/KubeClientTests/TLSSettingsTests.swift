import Foundation
import Testing

@testable import KubeClient

/// Client certificates and keys as kubeconfigs hold them: EC (SEC1 and PKCS#8) and RSA (PKCS#1 and PKCS#8).
struct TLSSettingsTests {
    @Test(arguments: [
        ("ec-sec1", "openssl ecparam -name prime256v1 -genkey -noout -out key.pem"),
        ("ec-pkcs8", "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem"),
        ("rsa-pkcs1", "openssl genrsa -traditional -out key.pem 2048 2>/dev/null"),
        ("rsa-pkcs8", "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem"),
    ])
    func acceptsKeyKinds(kind: String, generate: String) async throws {
        try await withTemporaryDirectory { dir in
            _ = try shell(generate, in: dir)
            _ = try shell("openssl req -x509 -new -key key.pem -out cert.pem -days 1 -subj /CN=\(kind)", in: dir)
            let key = try String(contentsOfFile: "\(dir)/key.pem", encoding: .utf8)
            let cert = try String(contentsOfFile: "\(dir)/cert.pem", encoding: .utf8)
            let access = ClusterAccess(
                server: "https://127.0.0.1:1", caCertificatePEM: cert, credentials: .clientCertificate(certificatePEM: cert, keyPEM: Redacted(key)))
            let client = try KubeClient(access: access)
            try await client.shutdown()
        }
    }

    @Test func refusesAKeyThatIsNotTheCertificatesOrNotPEM() async throws {
        try await withTemporaryDirectory { dir in
            _ = try shell("openssl ecparam -name prime256v1 -genkey -noout -out a.pem && openssl ecparam -name prime256v1 -genkey -noout -out b.pem", in: dir)
            _ = try shell("openssl req -x509 -new -key a.pem -out cert.pem -days 1 -subj /CN=a", in: dir)
            let cert = try String(contentsOfFile: "\(dir)/cert.pem", encoding: .utf8)
            let otherKey = try String(contentsOfFile: "\(dir)/b.pem", encoding: .utf8)
            func attempt(ca: String?, certificate: String, key: String) async -> KubeError? {
                let access = ClusterAccess(
                    contextName: "c", userName: "u", server: "https://127.0.0.1:1", caCertificatePEM: ca,
                    credentials: .clientCertificate(certificatePEM: certificate, keyPEM: Redacted(key)), source: "/kc")
                do {
                    let client = try KubeClient(access: access)
                    try? await client.shutdown()
                    return nil
                } catch {
                    return error
                }
            }
            let mismatch = await attempt(ca: nil, certificate: cert, key: otherKey)
            #expect(mismatch?.code == .config)
            #expect(mismatch?.message.hasPrefix(#"cannot use the TLS settings of context "c" in /kc"#) == true, "\(String(describing: mismatch))")
            let garbageKey = await attempt(ca: nil, certificate: cert, key: "not a key")
            #expect(garbageKey?.message.hasPrefix(#"the client key of user "u" in /kc is not a PEM private key"#) == true)
            let garbageCert = await attempt(ca: nil, certificate: "nope", key: otherKey)
            #expect(garbageCert?.message.hasPrefix(#"the client certificate of user "u" in /kc is not a PEM certificate"#) == true)
            let garbageCA = await attempt(ca: "nope", certificate: cert, key: otherKey)
            #expect(garbageCA?.message.hasPrefix(#"the certificate authority of cluster "" in /kc is not a PEM certificate"#) == true)
        }
    }
}
