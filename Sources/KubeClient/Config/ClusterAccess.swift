import Foundation

/// Everything needed to talk to one cluster as one user: what a kubeconfig context resolves to.
public struct ClusterAccess: Sendable, Hashable {
    /// How the client proves who it is. The secret parts are ``Redacted``: printing an access, an
    /// error or a log line built from it never shows them.
    public enum Credentials: Sendable, Hashable {
        case none
        /// A client certificate (chain) and its private key (EC or RSA), PEM.
        case clientCertificate(certificatePEM: String, keyPEM: Redacted)
        case bearerToken(Redacted)
        case basic(user: String, password: Redacted)
    }

    public var contextName: String
    public var clusterName: String
    public var userName: String
    /// `https://host:port`, possibly with a path prefix, and never with a user name or password:
    /// every assignment drops the URL's userinfo (``ServerURL/removingUserInfo(_:)``), so the
    /// server can be shown in any message. kinvm never sent userinfo; credentials come from the user entry.
    public var server: String {
        get { serverWithoutUserInfo }
        set { serverWithoutUserInfo = ServerURL.removingUserInfo(newValue) }
    }
    private var serverWithoutUserInfo: String
    /// The CA bundle that must have signed the server's certificate (PEM); nil: the system's roots.
    public var caCertificatePEM: String?
    /// The name to check the server's certificate against (and send as SNI) instead of the URL's host.
    public var tlsServerName: String?
    /// Only true when the kubeconfig says `insecure-skip-tls-verify: true`.
    public var insecureSkipTLSVerify: Bool
    /// True only when the caller explicitly accepted a connection that does not verify the server
    /// (``insecurity``); ``KubeClient`` refuses such a connection otherwise.
    public var allowsInsecureTransport: Bool
    public var credentials: Credentials
    /// The context's namespace, if it sets one.
    public var namespace: String?
    /// Where this came from (the kubeconfig file(s)), for messages.
    public var source: String

    public init(
        contextName: String = "", clusterName: String = "", userName: String = "", server: String,
        caCertificatePEM: String?, tlsServerName: String? = nil, insecureSkipTLSVerify: Bool = false,
        allowsInsecureTransport: Bool = false, credentials: Credentials, namespace: String? = nil, source: String = ""
    ) {
        self.contextName = contextName
        self.clusterName = clusterName
        self.userName = userName
        self.serverWithoutUserInfo = ServerURL.removingUserInfo(server)
        self.caCertificatePEM = caCertificatePEM
        self.tlsServerName = tlsServerName
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.allowsInsecureTransport = allowsInsecureTransport
        self.credentials = credentials
        self.namespace = namespace
        self.source = source
    }
}

extension Kubeconfig {
    /// The cluster and user of `context` (`--context`), or of current-context when nil. Files named by
    /// the kubeconfig (CA, client certificate and key, token file) are read now. A cluster reached
    /// over `http://` or with `insecure-skip-tls-verify` is refused unless `allowInsecure` (see
    /// ``ClusterAccess/insecurity``).
    public func resolve(context: String?, allowInsecure: Bool = false) throws(KubeError) -> ClusterAccess {
        let where_ = filesDescription
        guard let contextName = (context?.isEmpty == false ? context : currentContext), !contextName.isEmpty else {
            throw .config("current-context is not set in \(where_) and no context was given (--context)", file: where_)
        }
        guard let entry = contexts[contextName] else {
            let known = contexts.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            throw .config(
                "context \"\(contextName)\" not found in \(where_)" + (known.isEmpty ? " (it has no contexts)" : " (contexts: \(known))"),
                file: where_)
        }
        guard !entry.cluster.isEmpty else {
            throw .config("context \"\(contextName)\" in \(entry.origin) names no cluster", file: entry.origin)
        }
        guard let cluster = clusters[entry.cluster] else {
            throw .config(
                "cluster \"\(entry.cluster)\" (of context \"\(contextName)\" in \(entry.origin)) not found in \(where_)",
                file: where_)
        }
        guard let server = cluster.server else {
            throw .config("cluster \"\(cluster.name)\" in \(cluster.origin) has no server", file: cluster.origin)
        }
        guard server.hasPrefix("https://") || server.hasPrefix("http://"), URL(string: server)?.host != nil else {
            throw .config(
                "cluster \"\(cluster.name)\" in \(cluster.origin): server \"\(ServerURL.redacted(server))\" is not an http(s) URL",
                file: cluster.origin)
        }
        if let proxy = cluster.proxyURL {
            throw KubeError(
                code: .unsupported,
                message: "cluster \"\(cluster.name)\" in \(cluster.origin) uses proxy-url (\(ServerURL.redacted(proxy))), "
                    + "which kinvm does not support",
                context: cluster.origin)
        }
        var ca = cluster.certificateAuthorityData
        if ca == nil, let file = cluster.certificateAuthority {
            ca = try readFile(file, what: "certificate-authority of cluster \"\(cluster.name)\"", origin: cluster.origin)
        }
        if cluster.insecureSkipTLSVerify && ca != nil {
            throw .config(
                "cluster \"\(cluster.name)\" in \(cluster.origin) sets both a certificate authority and insecure-skip-tls-verify; "
                    + "specifying a root certificates file with the insecure flag is not allowed",
                file: cluster.origin)
        }
        var credentials = ClusterAccess.Credentials.none
        if !entry.user.isEmpty {
            guard let user = users[entry.user] else {
                throw .config(
                    "user \"\(entry.user)\" (of context \"\(contextName)\" in \(entry.origin)) not found in \(where_)",
                    file: where_)
            }
            credentials = try self.credentials(of: user)
        }
        let access = ClusterAccess(
            contextName: contextName, clusterName: cluster.name, userName: entry.user, server: server,
            caCertificatePEM: ca, tlsServerName: cluster.tlsServerName, insecureSkipTLSVerify: cluster.insecureSkipTLSVerify,
            allowsInsecureTransport: allowInsecure, credentials: credentials, namespace: entry.namespace, source: where_)
        try access.checkTransport(origin: cluster.origin)
        return access
    }

    private func credentials(of user: Kubeconfig.User) throws(KubeError) -> ClusterAccess.Credentials {
        let place = "user \"\(user.name)\" in \(user.origin)"
        if let command = user.execCommand {
            throw KubeError(
                code: .unsupported,
                message: "\(place) uses an exec credential plugin (\(command)), which kinvm does not support; "
                    + "use a kubeconfig with a client certificate or a token (e.g. of a ServiceAccount)",
                context: user.origin)
        }
        if let provider = user.authProvider {
            throw KubeError(
                code: .unsupported,
                message: "\(place) uses the auth provider \"\(provider)\", which kinvm does not support; "
                    + "use a kubeconfig with a client certificate or a token (e.g. of a ServiceAccount)",
                context: user.origin)
        }
        if let impersonate = user.impersonate {
            throw KubeError(
                code: .unsupported,
                message: "\(place) impersonates \"\(impersonate)\" (as), which kinvm does not support",
                context: user.origin)
        }
        var certificate = user.clientCertificateData
        if certificate == nil, let file = user.clientCertificate {
            certificate = try readFile(file, what: "client-certificate of \(place)", origin: user.origin)
        }
        var key = user.clientKeyData
        if key == nil, let file = user.clientKey {
            key = Redacted(try readFile(file, what: "client-key of \(place)", origin: user.origin))
        }
        switch (certificate, key) {
        case (let certificate?, let key?):
            return .clientCertificate(certificatePEM: certificate, keyPEM: key)
        case (.some, nil):
            throw .config("\(place) has a client certificate but no client-key or client-key-data", file: user.origin)
        case (nil, .some):
            throw .config("\(place) has a client key but no client-certificate or client-certificate-data", file: user.origin)
        case (nil, nil):
            break
        }
        if (user.token != nil || user.tokenFile != nil) && (user.username != nil || user.password != nil) {
            throw .config("\(place) sets both a token and a username/password; only one may be set", file: user.origin)
        }
        if let token = user.token {
            return .bearerToken(try BearerToken.check(token, field: "token of \(place)", origin: user.origin))
        }
        if let file = user.tokenFile {
            return .bearerToken(try BearerToken.read(file: file, field: "tokenFile of \(place)", origin: user.origin))
        }
        if let username = user.username {
            return .basic(user: username, password: user.password ?? Redacted(""))
        }
        return .none
    }

    /// A certificate or key file: PEM, far below 1 MiB (a bundle of a hundred CAs is ~200 KiB).
    private func readFile(_ path: String, what: String, origin: String) throws(KubeError) -> String {
        switch BoundedFile.read(path, limit: 1 << 20) {
        case .success(let text): return text
        case .failure(let failure): throw .config("cannot read \(what) (\(path)): \(failure)", file: origin)
        }
    }
}
