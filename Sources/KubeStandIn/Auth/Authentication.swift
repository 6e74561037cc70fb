import Foundation

/// Who is asking, decided in the real API server's order: client certificate, static bearer token,
/// bootstrap token, k3s Basic credentials; no credentials at all is `system:anonymous`.
struct Authenticator: Sendable {
    var bearerTokens: [String: StandInUser]
    var k3sToken: String?
    /// Reads `kube-system/bootstrap-token-<id>`.
    var bootstrapSecret: @Sendable (String) -> JSON?
    var now: @Sendable () -> Date = { Date() }

    enum Outcome: Sendable, Equatable {
        case user(StandInUser)
        case unauthorized
    }

    /// - Parameters:
    ///   - certificate: the subject of the TLS client certificate, already verified against the CA.
    ///   - authorization: the `Authorization` header.
    func authenticate(certificate: CertificateIdentity?, authorization: String?) -> Outcome {
        if let certificate, !certificate.commonName.isEmpty {
            return .user(StandInUser(name: certificate.commonName, groups: certificate.organizations + ["system:authenticated"]))
        }
        guard let authorization = authorization?.trimmingCharacters(in: .whitespaces), !authorization.isEmpty else {
            return .user(.anonymous)
        }
        if let token = Authenticator.credentials(authorization, scheme: "Bearer") {
            return authenticateBearer(token)
        }
        if let basic = Authenticator.credentials(authorization, scheme: "Basic") {
            return authenticateBasic(basic)
        }
        return .unauthorized
    }

    private func authenticateBearer(_ token: String) -> Outcome {
        if let user = bearerTokens[token] {
            return .user(StandInUser(name: user.name, groups: user.groups + ["system:authenticated"]))
        }
        guard let bootstrap = BootstrapToken(token),
            let secret = bootstrapSecret(BootstrapToken.secretNamePrefix + bootstrap.id).flatMap(BootstrapTokenSecret.init),
            secret.authenticates(bootstrap, now: now())
        else { return .unauthorized }
        let groups = ["system:bootstrappers"] + secret.extraGroups.filter { $0 != "system:bootstrappers" } + ["system:authenticated"]
        return .user(StandInUser(name: "system:bootstrap:\(bootstrap.id)", groups: groups))
    }

    private func authenticateBasic(_ encoded: String) -> Outcome {
        guard let k3sToken, let data = Data(base64Encoded: encoded) else { return .unauthorized }
        let text = String(decoding: data, as: UTF8.self)
        guard text == "node:\(k3sToken)" else { return .unauthorized }
        return .user(StandInUser(name: "system:node:k3s-agent", groups: ["system:nodes", "system:authenticated"]))
    }

    private static func credentials(_ header: String, scheme: String) -> String? {
        guard header.count > scheme.count, header.prefix(scheme.count).lowercased() == scheme.lowercased(),
            header.dropFirst(scheme.count).first == " "
        else { return nil }
        return header.dropFirst(scheme.count + 1).trimmingCharacters(in: .whitespaces)
    }
}
