import struct KubeClient.YAMLProblem
import Yams

extension ControlPlaneRenderer {
    /// The admin kubeconfig read from the control plane (``k3sKubeconfigPath`` with server
    /// `https://127.0.0.1:6443`, or ``kubeadmAdminKubeconfigPath`` with `https://NODE_IP:6443`),
    /// made usable from the host: every cluster's `server` becomes `server`; the current context
    /// (or the only one), its cluster and its user are renamed `kinvm-<cluster>` (references in
    /// other contexts follow) and it becomes the current context. Credentials, CA data and every
    /// other field are kept. Edited as a YAML tree, never as text.
    public static func adminKubeconfig(_ text: String, server: String, cluster: String) throws(ProvisionerError) -> String {
        guard server.hasPrefix("https://") else {
            throw ProvisionerError(.invalidArgument, "the API server URL '\(server)' must start with https://")
        }
        let name = "kinvm-\(cluster)"
        var root = try kubeconfigRoot(text)
        var clusters = try entries("clusters", in: root)
        var users = try entries("users", in: root)
        var contexts = try entries("contexts", in: root)

        let current = root["current-context"]?.string
        let chosen: Int
        if let current, !current.isEmpty, let index = contexts.firstIndex(where: { $0["name"]?.string == current }) {
            chosen = index
        } else if contexts.count == 1 {
            chosen = 0
        } else {
            throw kubeconfigError("has \(contexts.count) contexts and no current-context naming one of them")
        }
        guard let oldCluster = contexts[chosen]["context"]?["cluster"]?.string,
            let oldUser = contexts[chosen]["context"]?["user"]?.string
        else {
            throw kubeconfigError("context '\(contexts[chosen]["name"]?.string ?? "")' names no cluster or user")
        }
        guard clusters.contains(where: { $0["name"]?.string == oldCluster }) else {
            throw kubeconfigError("has no cluster '\(oldCluster)' (named by its context)")
        }
        guard users.contains(where: { $0["name"]?.string == oldUser }) else {
            throw kubeconfigError("has no user '\(oldUser)' (named by its context)")
        }
        for (list, old, what) in [(clusters, oldCluster, "cluster"), (users, oldUser, "user")] where old != name {
            if list.contains(where: { $0["name"]?.string == name }) {
                throw kubeconfigError("already has a \(what) named '\(name)'")
            }
        }
        if contexts.indices.contains(where: { $0 != chosen && contexts[$0]["name"]?.string == name }) {
            throw kubeconfigError("already has a context named '\(name)'")
        }

        let s = YAMLNodes.string
        for index in clusters.indices {
            guard case .mapping? = clusters[index]["cluster"] else {
                throw kubeconfigError("cluster '\(clusters[index]["name"]?.string ?? "")' has no 'cluster' mapping")
            }
            clusters[index]["cluster"]?["server"] = s(server)
            if clusters[index]["name"]?.string == oldCluster { clusters[index]["name"] = s(name) }
        }
        for index in users.indices where users[index]["name"]?.string == oldUser {
            users[index]["name"] = s(name)
        }
        for index in contexts.indices {
            if contexts[index]["context"]?["cluster"]?.string == oldCluster { contexts[index]["context"]?["cluster"] = s(name) }
            if contexts[index]["context"]?["user"]?.string == oldUser { contexts[index]["context"]?["user"] = s(name) }
        }
        contexts[chosen]["name"] = s(name)
        root["clusters"] = YAMLNodes.list(clusters)
        root["users"] = YAMLNodes.list(users)
        root["contexts"] = YAMLNodes.list(contexts)
        root["current-context"] = s(name)
        do {
            return try Yams.serialize(node: root, indent: 2, width: -1)
        } catch {
            throw kubeconfigError("cannot be written back: \(error)")
        }
    }

    private static func kubeconfigRoot(_ text: String) throws(ProvisionerError) -> Node {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            // Never `\(error)`: Yams quotes the offending line, and this file holds the admin's key.
            throw kubeconfigError("is not valid YAML (\(YAMLProblem(error)))")
        }
        guard let node, case .mapping = node, (node["kind"]?.string ?? "Config") == "Config" else {
            throw kubeconfigError("is not a kubeconfig (a mapping of kind: Config)")
        }
        return node
    }

    /// The list of named entries at `key` (each a mapping with a `name`).
    private static func entries(_ key: String, in root: Node) throws(ProvisionerError) -> [Node] {
        guard case .sequence(let sequence)? = root[key], !sequence.isEmpty else {
            throw kubeconfigError("has no \(key)")
        }
        for entry in sequence {
            guard case .mapping = entry, entry["name"]?.string != nil else {
                throw kubeconfigError("has an entry in \(key) without a name")
            }
        }
        return Array(sequence)
    }

    private static func kubeconfigError(_ problem: String) -> ProvisionerError {
        ProvisionerError(.kubernetes, "the admin kubeconfig read from the control plane \(problem)")
    }
}
