import Foundation

/// A kubeadm bootstrap token (`[a-z0-9]{6}.[a-z0-9]{16}`) and the Secret that makes the API server
/// accept it (https://kubernetes.io/docs/reference/access-authn-authz/bootstrap-tokens/).
///
/// kinvm always gives it an expiration; a token that never expires ("ttl 0") is refused.
public struct BootstrapToken: Sendable, Hashable, CustomStringConvertible {
    public let id: String
    public let secret: String
    public let expiration: Date

    /// kubeadm's default groups for a joining node; RBAC on a kubeadm cluster lets them post CSRs.
    public static let defaultExtraGroups = ["system:bootstrappers:kubeadm:default-node-token"]
    public static let defaultTTL: Duration = .seconds(3600)
    /// The longest lifetime kinvm accepts (kubeadm's own default is 24 h).
    public static let maximumTTL: Duration = .seconds(24 * 3600)

    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")

    /// A new random token, valid for `ttl` from `now`.
    public static func generate<R: RandomNumberGenerator>(
        ttl: Duration = defaultTTL, now: Date = Date(), using generator: inout R
    ) throws(ProvisionerError) -> BootstrapToken {
        try checkTTL(ttl)
        func random(_ count: Int) -> String {
            String((0..<count).map { _ in alphabet.randomElement(using: &generator)! })
        }
        return BootstrapToken(id: random(6), secret: random(16), expiration: now.addingTimeInterval(seconds(ttl)))
    }

    public static func generate(ttl: Duration = defaultTTL, now: Date = Date()) throws(ProvisionerError) -> BootstrapToken {
        var generator = SystemRandomNumberGenerator()
        return try generate(ttl: ttl, now: now, using: &generator)
    }

    static func checkTTL(_ ttl: Duration) throws(ProvisionerError) {
        guard ttl > .zero else {
            throw ProvisionerError(
                .invalidArgument, "a bootstrap token must expire: give a positive TTL (default 1h), never 0")
        }
        guard ttl <= maximumTTL else {
            throw ProvisionerError(.invalidArgument, "a bootstrap token TTL of \(ttl) is longer than the 24h kinvm allows")
        }
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        TimeInterval(duration.components.seconds) + TimeInterval(duration.components.attoseconds) / 1e18
    }

    /// `id.secret`: what `kubeadm join --token` takes.
    public var token: String { "\(id).\(secret)" }
    /// `bootstrap-token-<id>` in `kube-system`.
    public var secretName: String { "bootstrap-token-\(id)" }
    public static let namespace = "kube-system"
    public static let secretType = "bootstrap.kubernetes.io/token"

    /// The Secret's `stringData`, with the usages kubeadm sets for `kubeadm token create`.
    public func secretData(description: String, extraGroups: [String] = defaultExtraGroups) -> [String: String] {
        [
            "token-id": id,
            "token-secret": secret,
            "expiration": Self.rfc3339(expiration),
            "usage-bootstrap-authentication": "true",
            "usage-bootstrap-signing": "true",
            "auth-extra-groups": extraGroups.joined(separator: ","),
            "description": description,
        ]
    }

    static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// Never shows the secret part.
    public var description: String { "bootstrap token \(id) (expires \(Self.rfc3339(expiration)))" }
}
