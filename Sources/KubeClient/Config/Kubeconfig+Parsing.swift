import Foundation
import Yams

extension Kubeconfig {
    /// Parses one kubeconfig file's text. `path` names the file in errors, and relative paths in it are
    /// taken relative to its directory. A name used twice in one list is an error, as in kubectl.
    public static func parse(_ yaml: String, path: String) throws(KubeError) -> Kubeconfig {
        let root: Yams.Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            // Never `\(error)`: Yams quotes the offending line, which may be the token's.
            throw .config("kubeconfig \(YAMLProblem(error).described(file: path))", file: path)
        }
        var config = Kubeconfig()
        config.files = [path]
        guard let root else { return config }  // an empty file is an empty kubeconfig
        let reader = FieldReader(path: path, directory: FilePaths.directory(of: path))
        guard let top = root.mapping else {
            throw .config("kubeconfig \(path) is not a YAML mapping (kind: Config)", file: path)
        }
        config.currentContext = try reader.string(top, "current-context", in: "the top level")
        for (name, body) in try reader.namedEntries(top, list: "clusters", body: "cluster") {
            config.clusters[name] = try reader.cluster(name: name, body)
        }
        for (name, body) in try reader.namedEntries(top, list: "users", body: "user") {
            config.users[name] = try reader.user(name: name, body)
        }
        for (name, body) in try reader.namedEntries(top, list: "contexts", body: "context") {
            config.contexts[name] = Kubeconfig.Context(
                name: name,
                cluster: try reader.string(body, "cluster", in: "context \"\(name)\"") ?? "",
                user: try reader.string(body, "user", in: "context \"\(name)\"") ?? "",
                namespace: try reader.string(body, "namespace", in: "context \"\(name)\""),
                origin: path
            )
        }
        return config
    }
}

/// Reads typed fields out of the YAML tree, with errors that name the file and the field.
private struct FieldReader {
    let path: String
    let directory: String

    func fail(_ message: String) -> KubeError { .config("kubeconfig \(path): \(message)", file: path) }

    /// The `list` sequence of `{name: …, body: {…}}`; duplicate names are an error.
    func namedEntries(_ top: Yams.Node.Mapping, list: String, body: String) throws(KubeError) -> [(String, Yams.Node.Mapping)] {
        guard let node = top[list], !isNull(node) else { return [] }
        guard let items = node.sequence else { throw fail("\(list) must be a list") }
        var seen = Set<String>()
        var result: [(String, Yams.Node.Mapping)] = []
        for (index, item) in items.enumerated() {
            guard let entry = item.mapping else { throw fail("\(list)[\(index)] must be a mapping") }
            guard let name = try string(entry, "name", in: "\(list)[\(index)]"), !name.isEmpty else {
                throw fail("\(list)[\(index)] has no name")
            }
            guard seen.insert(name).inserted else { throw fail("\(list) has two entries named \"\(name)\"") }
            let bodyNode = entry[body]
            if let bodyNode, !isNull(bodyNode), bodyNode.mapping == nil {
                throw fail("\(body) \"\(name)\" must be a mapping")
            }
            result.append((name, bodyNode?.mapping ?? Yams.Node.Mapping([])))
        }
        return result
    }

    func cluster(name: String, _ body: Yams.Node.Mapping) throws(KubeError) -> Kubeconfig.Cluster {
        let place = "cluster \"\(name)\""
        return Kubeconfig.Cluster(
            name: name,
            server: try string(body, "server", in: place),
            certificateAuthorityData: try base64(body, "certificate-authority-data", in: place),
            certificateAuthority: try string(body, "certificate-authority", in: place).map(absolute),
            tlsServerName: try string(body, "tls-server-name", in: place),
            insecureSkipTLSVerify: try bool(body, "insecure-skip-tls-verify", in: place) ?? false,
            proxyURL: try string(body, "proxy-url", in: place),
            origin: path
        )
    }

    func user(name: String, _ body: Yams.Node.Mapping) throws(KubeError) -> Kubeconfig.User {
        let place = "user \"\(name)\""
        var execCommand: String?
        if let exec = body["exec"], !isNull(exec) {
            execCommand = exec.mapping.flatMap { $0["command"]?.scalar?.string } ?? "no command given"
        }
        var authProvider: String?
        if let provider = body["auth-provider"], !isNull(provider) {
            authProvider = provider.mapping.flatMap { $0["name"]?.scalar?.string } ?? "unnamed"
        }
        return Kubeconfig.User(
            name: name,
            clientCertificateData: try base64(body, "client-certificate-data", in: place),
            clientCertificate: try string(body, "client-certificate", in: place).map(absolute),
            clientKeyData: try base64(body, "client-key-data", in: place).map { Redacted($0) },
            clientKey: try string(body, "client-key", in: place).map(absolute),
            token: try string(body, "token", in: place).map { Redacted($0) },
            tokenFile: try string(body, "tokenFile", in: place).map(absolute),
            username: try string(body, "username", in: place),
            password: try string(body, "password", in: place).map { Redacted($0) },
            execCommand: execCommand,
            authProvider: authProvider,
            impersonate: try string(body, "as", in: place),
            origin: path
        )
    }

    /// A scalar field as written (YAML `null` or an empty value is nil).
    func string(_ mapping: Yams.Node.Mapping, _ key: String, in place: String) throws(KubeError) -> String? {
        guard let node = mapping[key], !isNull(node) else { return nil }
        guard let scalar = node.scalar else { throw fail("\(place): \(key) must be a string") }
        return scalar.string.isEmpty ? nil : scalar.string
    }

    /// YAML 1.1 booleans, as kubectl's YAML reader takes them.
    func bool(_ mapping: Yams.Node.Mapping, _ key: String, in place: String) throws(KubeError) -> Bool? {
        guard let text = try string(mapping, key, in: place) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on", "y": return true
        case "false", "no", "off", "n": return false
        default: throw fail("\(place): \(key) must be true or false, not \"\(text)\"")
        }
    }

    /// A base64 field decoded to text (certificate and key data hold PEM).
    func base64(_ mapping: Yams.Node.Mapping, _ key: String, in place: String) throws(KubeError) -> String? {
        guard let text = try string(mapping, key, in: place) else { return nil }
        let compact = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact), let decoded = String(data: data, encoding: .utf8) else {
            throw fail("\(place): \(key) is not valid base64")
        }
        return decoded
    }

    func absolute(_ file: String) -> String {
        FilePaths.resolve(file, relativeTo: directory)
    }

    func isNull(_ node: Yams.Node) -> Bool {
        guard let scalar = node.scalar else { return false }
        return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }
}
