import Foundation
import Testing

@testable import KubeClient

struct CACertificateHashTests {
    /// The hash of a fresh certificate equals what kubeadm's documented openssl pipeline prints.
    @Test(arguments: ["-newkey ec -pkeyopt ec_paramgen_curve:prime256v1", "-newkey rsa:2048"])
    func matchesTheOpenSSLPipeline(keyOptions: String) async throws {
        try await withTemporaryDirectory { dir in
            _ = try shell(
                "openssl req -x509 \(keyOptions) -nodes -keyout ca.key -out ca.crt -days 1 -subj /CN=kinvm-test-ca 2>/dev/null", in: dir)
            let pem = try String(contentsOfFile: "\(dir)/ca.crt", encoding: .utf8)
            let expected = try shell("openssl x509 -in ca.crt -pubkey -noout | openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1", in: dir)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(expected.count == 64)
            #expect(try CACertificateHash.sha256(pem: pem) == "sha256:" + expected)
            // The first certificate of a bundle is the one hashed.
            #expect(try CACertificateHash.sha256(pem: "junk\n" + pem + pem) == "sha256:" + expected)
        }
    }

    @Test func noCertificateIsAnError() {
        #expect(throws: KubeError.self) { try CACertificateHash.sha256(pem: "hello") }
        #expect(throws: KubeError.self) {
            try CACertificateHash.sha256(pem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        }
    }
}
