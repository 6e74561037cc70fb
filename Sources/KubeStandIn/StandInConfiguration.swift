/// How a ``StandInAPIServer`` listens and whom it trusts.
public struct StandInConfiguration: Sendable {
    /// The listening address; the stand-in only ever listens on loopback.
    public var host: String = "127.0.0.1"
    /// The listening port; 0 picks an ephemeral one.
    public var port: Int = 0
    /// IP addresses and DNS names put into the serving certificate.
    public var subjectAlternativeNames: [String] = ["127.0.0.1", "10.0.2.2", "localhost"]
    /// Static bearer tokens, like the real server's `--token-auth-file`.
    public var bearerTokens: [String: StandInUser] = [:]
    /// The password part of a k3s node token (`K10<hash>::server:<password>`); nil disables Basic auth.
    public var k3sToken: String? = nil
    /// The version `/version` reports.
    public var kubernetesVersion: String = "v1.32.0"
    /// The server URL guests use, written into the `kube-public/cluster-info` kubeconfig;
    /// nil means `https://10.0.2.2:PORT` (the host's loopback as QEMU user networking shows it).
    public var guestServerURL: String? = nil
    /// How many past watch events are kept; a watch from an older resourceVersion gets 410 Gone.
    public var watchHistoryLimit: Int = 1000
    /// The address to listen on instead of `host` (e.g. `0.0.0.0` for a control plane in a guest);
    /// `host` stays the address of ``StandInAPIServer/url`` and the admin kubeconfig.
    public var bindAddress: String? = nil
    /// A directory with the CA, serving and admin key pairs (``PKIDirectory``): loaded when
    /// present, created and stored otherwise. nil: fresh ones in memory.
    public var pkiDirectory: String? = nil
    /// A JSON snapshot of the object store: restored at start, rewritten atomically after changes
    /// (``StatePersister``). nil: memory only.
    public var stateFile: String? = nil

    public init() {}
}

/// An authenticated identity.
public struct StandInUser: Sendable, Hashable {
    public var name: String
    public var groups: [String]

    public init(name: String, groups: [String]) {
        self.name = name
        self.groups = groups
    }

    static let anonymous = StandInUser(name: "system:anonymous", groups: ["system:unauthenticated"])

    var isAnonymous: Bool { name == StandInUser.anonymous.name }
}
