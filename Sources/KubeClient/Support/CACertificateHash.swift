import Foundation
import Crypto
import SwiftASN1
import X509

/// kubeadm's `discovery-token-ca-cert-hash`: `sha256:` + the lowercase hex SHA-256 of the CA
/// certificate's DER SubjectPublicKeyInfo.
public enum CACertificateHash {
    /// The hash of the first certificate in `pem`.
    public static func sha256(pem: String) throws(KubeError) -> String {
        guard let block = firstCertificateBlock(pem) else {
            throw KubeError(code: .config, message: "no PEM certificate (BEGIN CERTIFICATE) found", context: "computing the CA certificate hash")
        }
        do {
            let certificate = try Certificate(pemEncoded: block)
            var serializer = DER.Serializer()
            try serializer.serialize(certificate.publicKey)
            let digest = SHA256.hash(data: serializer.serializedBytes)
            return "sha256:" + digest.map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined()
        } catch {
            throw KubeError(code: .config, message: "cannot read the CA certificate: \(error)", context: "computing the CA certificate hash")
        }
    }

    private static func firstCertificateBlock(_ pem: String) -> String? {
        let begin = "-----BEGIN CERTIFICATE-----"
        let end = "-----END CERTIFICATE-----"
        guard let start = pem.range(of: begin), let finish = pem.range(of: end, range: start.upperBound..<pem.endIndex) else {
            return nil
        }
        return String(pem[start.lowerBound..<finish.upperBound])
    }
}
