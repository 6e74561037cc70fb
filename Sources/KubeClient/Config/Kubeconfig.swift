import Foundation

/// A kubeconfig as kubectl sees it: one file, or several merged with kubectl's rules (see
/// ``load(explicitPath:environment:)``). Paths in it are already absolute (relative paths are taken
/// relative to the directory of the file that holds them), and certificate data is already decoded.
public struct Kubeconfig: Sendable, Hashable {
    public struct Cluster: Sendable, Hashable {
        public var name: String
        /// As written: show it only through ``ServerURL/redacted(_:)`` (it may carry a password).
        public var server: String?
        /// PEM, decoded from `certificate-authority-data`.
        public var certificateAuthorityData: String?
        /// Absolute path from `certificate-authority`.
        public var certificateAuthority: String?
        public var tlsServerName: String?
        /// Only true when the file says `insecure-skip-tls-verify: true`.
        public var insecureSkipTLSVerify: Bool
        /// As written: show it only through ``ServerURL/redacted(_:)`` (it may carry a password).
        public var proxyURL: String?
        /// The file this entry came from.
        public var origin: String
    }

    public struct User: Sendable, Hashable {
        public var name: String
        /// PEM, decoded from `client-certificate-data`.
        public var clientCertificateData: String?
        public var clientCertificate: String?
        /// PEM, decoded from `client-key-data`. Credentials are ``Redacted``: they never print.
        public var clientKeyData: Redacted?
        public var clientKey: String?
        public var token: Redacted?
        public var tokenFile: String?
        public var username: String?
        public var password: Redacted?
        /// `exec.command` when the user runs a credential plugin (not supported).
        public var execCommand: String?
        /// `auth-provider.name` (not supported).
        public var authProvider: String?
        /// `as`: impersonation (not supported).
        public var impersonate: String?
        public var origin: String
    }

    public struct Context: Sendable, Hashable {
        public var name: String
        public var cluster: String
        public var user: String
        public var namespace: String?
        public var origin: String
    }

    public var clusters: [String: Cluster] = [:]
    public var users: [String: User] = [:]
    public var contexts: [String: Context] = [:]
    public var currentContext: String?
    /// The files that were read, in precedence order (for messages).
    public var files: [String] = []

    public init() {}

    /// "/a/config" or "/a/config:/b/other", or a note that no file was found.
    public var filesDescription: String {
        files.isEmpty ? "(no kubeconfig file)" : files.joined(separator: ":")
    }

    /// Adds `other` below `self`: entries and current-context already set here win, like kubectl's
    /// merge of the `KUBECONFIG` list (the first file to set a key wins).
    public mutating func merge(lowerPrecedence other: Kubeconfig) {
        clusters.merge(other.clusters) { mine, _ in mine }
        users.merge(other.users) { mine, _ in mine }
        contexts.merge(other.contexts) { mine, _ in mine }
        if currentContext?.isEmpty ?? true { currentContext = other.currentContext }
        files += other.files
    }
}

extension Kubeconfig {
    /// The kubeconfig kubectl would use: `explicitPath` (`--kubeconfig`, which must exist; `KUBECONFIG`
    /// is then ignored), else the `KUBECONFIG` list (`:`-separated, empty and repeated entries skipped,
    /// missing files skipped, merged with the first file winning), else `~/.kube/config` if it exists.
    /// With no file at all the result is empty and ``resolve(context:)`` says so.
    public static func load(
        explicitPath: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(KubeError) -> Kubeconfig {
        if let explicitPath, !explicitPath.isEmpty {
            let path = absolutePath(explicitPath, environment: environment)
            guard FileManager.default.fileExists(atPath: path) else {
                throw .config("kubeconfig \(path) does not exist", file: path)
            }
            return try read(path)
        }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            var seen = Set<String>()
            var merged = Kubeconfig()
            for entry in list.split(separator: ":") where !entry.isEmpty {
                let path = absolutePath(String(entry), environment: environment)
                guard seen.insert(path).inserted, FileManager.default.fileExists(atPath: path) else { continue }
                merged.merge(lowerPrecedence: try read(path))
            }
            return merged
        }
        guard let home = environment["HOME"], !home.isEmpty else { return Kubeconfig() }
        let path = FilePaths.resolve(".kube/config", relativeTo: home)
        guard FileManager.default.fileExists(atPath: path) else { return Kubeconfig() }
        return try read(path)
    }

    /// The most a kubeconfig file may hold (a `KUBECONFIG=/dev/zero` is refused, not read whole).
    static let fileLimit = 4 << 20

    /// Reads and parses one file.
    static func read(_ path: String) throws(KubeError) -> Kubeconfig {
        switch BoundedFile.read(path, limit: fileLimit) {
        case .success(let text): return try parse(text, path: path)
        case .failure(let failure): throw .config("cannot read kubeconfig \(path): \(failure)", file: path)
        }
    }

    /// `~/x` and relative paths made absolute (relative to the current directory).
    static func absolutePath(_ path: String, environment: [String: String]) -> String {
        var path = path
        if path == "~" || path.hasPrefix("~/"), let home = environment["HOME"] {
            path = home + path.dropFirst()
        }
        return FilePaths.resolve(path, relativeTo: FileManager.default.currentDirectoryPath)
    }
}
