import Crypto
import Foundation

/// A bootstrap token `<id>.<secret>` (id: 6, secret: 16 characters of [a-z0-9]).
struct BootstrapToken: Sendable, Equatable {
    var id: String
    var secret: String

    static let secretType = "bootstrap.kubernetes.io/token"
    static let secretNamespace = "kube-system"
    static let secretNamePrefix = "bootstrap-token-"

    init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, BootstrapToken.isValidID(parts[0]), BootstrapToken.isValidSecret(parts[1]) else { return nil }
        (id, secret) = (parts[0], parts[1])
    }

    var text: String { "\(id).\(secret)" }

    static func isValidID(_ text: String) -> Bool { text.count == 6 && text.allSatisfy(isTokenCharacter) }
    static func isValidSecret(_ text: String) -> Bool { text.count == 16 && text.allSatisfy(isTokenCharacter) }

    private static func isTokenCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLowercase || character.isNumber)
    }
}

/// The fields of a `bootstrap.kubernetes.io/token` Secret, decoded from its base64 `data`.
struct BootstrapTokenSecret: Sendable, Equatable {
    var name: String
    var tokenID: String
    var tokenSecret: String
    var expiration: String?
    var usages: Set<String>
    var extraGroups: [String]

    /// Nil when `secret` is not a bootstrap token Secret.
    init?(_ secret: JSON) {
        guard secret["type"]?.string == BootstrapToken.secretType else { return nil }
        let data = BootstrapTokenSecret.decodedData(secret)
        name = secret[path: ["metadata", "name"]]?.string ?? ""
        tokenID = data["token-id"] ?? ""
        tokenSecret = data["token-secret"] ?? ""
        expiration = data["expiration"]
        usages = Set(data.filter { $0.key.hasPrefix("usage-bootstrap-") && $0.value == "true" }.map { String($0.key.dropFirst("usage-bootstrap-".count)) })
        extraGroups = (data["auth-extra-groups"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func decodedData(_ secret: JSON) -> [String: String] {
        secret["data"]?.stringMap.compactMapValues { Data(base64Encoded: $0).map { String(decoding: $0, as: UTF8.self) } } ?? [:]
    }

    /// Whether the token may still be used at `now`; a malformed expiration counts as expired.
    func isExpired(now: Date) -> Bool {
        guard let expiration else { return false }
        guard let date = BootstrapTokenSecret.parseTime(expiration) else { return true }
        return date <= now
    }

    /// Whether `token` authenticates against this Secret at `now` (the checks of the real bootstrap authenticator).
    func authenticates(_ token: BootstrapToken, now: Date) -> Bool {
        name == BootstrapToken.secretNamePrefix + token.id && tokenID == token.id && tokenSecret == token.secret
            && usages.contains("authentication") && !isExpired(now: now)
    }

    /// The token this Secret describes, when well-formed and usable for signing cluster-info.
    func signingToken(now: Date) -> BootstrapToken? {
        guard usages.contains("signing"), !isExpired(now: now), let token = BootstrapToken("\(tokenID).\(tokenSecret)"),
            name == BootstrapToken.secretNamePrefix + tokenID
        else { return nil }
        return token
    }

    static func parseTime(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// The 422 causes for a malformed bootstrap token Secret (field paths as the API prints them).
    static func validationCauses(_ secret: JSON) -> [APIError.Cause] {
        guard secret["type"]?.string == BootstrapToken.secretType else { return [] }
        let data = decodedData(secret)
        var causes: [APIError.Cause] = []
        let id = data["token-id"] ?? ""
        if !BootstrapToken.isValidID(id) {
            causes.append(.init(type: "FieldValueInvalid", field: "data[token-id]", message: "Invalid value: \"\(id)\": must match ^[a-z0-9]{6}$"))
        }
        let tokenSecret = data["token-secret"] ?? ""
        if !BootstrapToken.isValidSecret(tokenSecret) {
            causes.append(.init(type: "FieldValueInvalid", field: "data[token-secret]", message: "Invalid value: \"<redacted>\": must match ^[a-z0-9]{16}$"))
        }
        let name = secret[path: ["metadata", "name"]]?.string ?? ""
        if BootstrapToken.isValidID(id), name != BootstrapToken.secretNamePrefix + id {
            causes.append(.init(type: "FieldValueInvalid", field: "metadata.name", message: "Invalid value: \"\(name)\": must be bootstrap-token-\(id)"))
        }
        if let expiration = data["expiration"], parseTime(expiration) == nil {
            causes.append(.init(type: "FieldValueInvalid", field: "data[expiration]", message: "Invalid value: \"\(expiration)\": must be an RFC 3339 time"))
        }
        return causes
    }
}

/// Detached JWS (compact serialization with an empty payload part), as the bootstrap signer writes
/// into `cluster-info`: `<b64url header>..<b64url HMAC-SHA256>`.
enum DetachedJWS {
    static func sign(payload: String, token: BootstrapToken) -> String {
        let header = base64URL(Data("{\"alg\":\"HS256\",\"kid\":\"\(token.id)\"}".utf8))
        let signingInput = header + "." + base64URL(Data(payload.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(signingInput.utf8), using: SymmetricKey(data: Data(token.text.utf8)))
        return header + ".." + base64URL(Data(mac))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
