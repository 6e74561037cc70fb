import Foundation
import X509

/// kube-controller-manager's csrapproving and csrsigning controllers for client certificates:
/// kubelet client CSRs from bootstrappers or nodes are approved; approved CSRs for the
/// kube-apiserver-client signers are signed by the cluster CA.
struct CSRSigner: Sendable {
    static let kubeletClientSigner = "kubernetes.io/kube-apiserver-client-kubelet"
    static let clientSigner = "kubernetes.io/kube-apiserver-client"

    let store: ObjectStore
    let authority: CertificateAuthority

    func process(name: String) {
        let key = ObjectKey(.certificateSigningRequests, namespace: nil, name: name)
        let subject = ResourceType.certificateSigningRequests.subject(name)
        // Approval and signing are two writes, like two controllers: watchers see both MODIFIED events.
        _ = try? store.update(key, subject: subject) { current, version in
            guard CSRSigner.condition(current) == nil, CSRSigner.isAutoApprovable(current) else { return current }
            var next = current
            next[path: ["status", "conditions"]] = [
                [
                    "type": "Approved", "status": "True", "reason": "AutoApproved",
                    "message": "Auto approving kubelet client certificate after SubjectAccessReview.",
                    "lastUpdateTime": .string(Defaults.timestamp()), "lastTransitionTime": .string(Defaults.timestamp()),
                ]
            ]
            next[path: ["metadata", "resourceVersion"]] = .string(String(version))
            return next
        }
        _ = try? store.update(key, subject: subject) { current, version in
            guard CSRSigner.condition(current) == "Approved", current[path: ["status", "certificate"]] == nil,
                let certificate = try? sign(current)
            else { return current }
            var next = current
            next[path: ["status", "certificate"]] = .string(Data(certificate.utf8).base64EncodedString())
            next[path: ["metadata", "resourceVersion"]] = .string(String(version))
            return next
        }
    }

    /// "Approved", "Denied", "Failed" or nil while pending.
    static func condition(_ csr: JSON) -> String? {
        let types = (csr[path: ["status", "conditions"]]?.array ?? []).filter { $0["status"]?.string != "False" }.compactMap { $0["type"]?.string }
        return ["Denied", "Failed", "Approved"].first(where: types.contains)
    }

    /// A kubelet client CSR from a bootstrapper or a node asking for `system:node:*` in `system:nodes`.
    static func isAutoApprovable(_ csr: JSON) -> Bool {
        guard csr[path: ["spec", "signerName"]]?.string == kubeletClientSigner else { return false }
        let groups = (csr[path: ["spec", "groups"]]?.array ?? []).compactMap(\.string)
        guard groups.contains("system:bootstrappers") || groups.contains("system:nodes"),
            let request = try? parseRequest(csr)
        else { return false }
        let identity = CertificateIdentity(request.subject)
        return identity.commonName.hasPrefix("system:node:") && identity.organizations == ["system:nodes"]
    }

    static func parseRequest(_ csr: JSON) throws -> CertificateSigningRequest {
        guard let encoded = csr[path: ["spec", "request"]]?.string, let pem = Data(base64Encoded: encoded) else {
            throw CSRError.malformed
        }
        let request = try CertificateSigningRequest(pemEncoded: String(decoding: pem, as: UTF8.self))
        guard request.publicKey.isValidSignature(request.signature, for: request) else { throw CSRError.badSignature }
        return request
    }

    /// The signed certificate, PEM.
    func sign(_ csr: JSON) throws -> String {
        let signer = csr[path: ["spec", "signerName"]]?.string
        guard signer == CSRSigner.kubeletClientSigner || signer == CSRSigner.clientSigner else { throw CSRError.unknownSigner }
        let request = try CSRSigner.parseRequest(csr)
        let identity = CertificateIdentity(request.subject)
        let validity = csr[path: ["spec", "expirationSeconds"]]?.int.map(TimeInterval.init) ?? 365 * 86400
        let certificate = try authority.issue(
            publicKey: request.publicKey, commonName: identity.commonName, organizations: identity.organizations, usage: .client,
            validity: validity)
        return try certificate.serializeAsPEM().pemString + "\n"
    }

    enum CSRError: Error { case malformed, badSignature, unknownSigner }
}
