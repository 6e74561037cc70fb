/// The typed API subset: version, Nodes, Pods, Eviction, Secrets, ConfigMaps.
extension KubeClient {
    /// `GET /version`.
    public func version() async throws(KubeError) -> VersionInfo {
        try await get(VersionInfo.self, path: "/version")
    }

    // MARK: Nodes

    public func node(_ name: String) async throws(KubeError) -> Node {
        try await get(Node.self, path: "/api/v1/nodes/\(Path.segment(name))")
    }

    /// Nodes matching the selectors (e.g. `labelSelector: "kinvm.io/guest"`, `fieldSelector: "metadata.name=w1"`).
    public func nodes(labelSelector: String? = nil, fieldSelector: String? = nil) async throws(KubeError) -> NodeList {
        try await get(NodeList.self, path: "/api/v1/nodes", query: Self.selectors(label: labelSelector, field: fieldSelector))
    }

    /// Registers a Node object (tests; kubelets do this themselves).
    public func createNode(_ node: Node) async throws(KubeError) -> Node {
        try await send("POST", path: "/api/v1/nodes", body: node, as: Node.self)
    }

    /// A JSON merge patch (RFC 7386): `["spec": ["unschedulable": true]]` cordons,
    /// `["metadata": ["labels": ["a": "b", "c": nil]]]` sets `a` and removes `c`.
    /// `subresource: "status"` patches `nodes/NAME/status`.
    public func patchNode(_ name: String, mergePatch: JSONValue, subresource: String? = nil) async throws(KubeError) -> Node {
        var path = "/api/v1/nodes/\(Path.segment(name))"
        if let subresource { path += "/\(Path.segment(subresource))" }
        return try await send("PATCH", path: path, body: mergePatch, contentType: "application/merge-patch+json", as: Node.self)
    }

    public func deleteNode(_ name: String) async throws(KubeError) {
        _ = try await perform(
            method: "DELETE", path: "/api/v1/nodes/\(Path.segment(name))", query: [], body: nil, contentType: "application/json")
    }

    // MARK: Pods

    /// Pods in `namespace`, or in all namespaces when nil; `fieldSelector: "spec.nodeName=w1"` gives a node's pods.
    public func pods(namespace: String? = nil, fieldSelector: String? = nil, labelSelector: String? = nil) async throws(KubeError) -> PodList {
        let path = namespace.map { "/api/v1/namespaces/\(Path.segment($0))/pods" } ?? "/api/v1/pods"
        return try await get(PodList.self, path: path, query: Self.selectors(label: labelSelector, field: fieldSelector))
    }

    public func pod(namespace: String, name: String) async throws(KubeError) -> Pod {
        try await get(Pod.self, path: Path.pod(namespace, name))
    }

    /// Creates `pod` in its `metadata.namespace` (default: "default").
    public func createPod(_ pod: Pod) async throws(KubeError) -> Pod {
        let namespace = pod.metadata.namespace ?? "default"
        return try await send("POST", path: "/api/v1/namespaces/\(Path.segment(namespace))/pods", body: pod, as: Pod.self)
    }

    /// Deletes the pod directly (no disruption budget is consulted; see ``evict(namespace:name:gracePeriodSeconds:)``).
    public func deletePod(namespace: String, name: String, gracePeriodSeconds: Int? = nil) async throws(KubeError) {
        try await delete(path: Path.pod(namespace, name), gracePeriodSeconds: gracePeriodSeconds)
    }

    /// Evicts the pod through the policy/v1 Eviction subresource, which honours PodDisruptionBudgets: a
    /// blocked eviction throws ``KubeError/Code/tooManyRequests`` with the budget in the Status causes.
    public func evict(namespace: String, name: String, gracePeriodSeconds: Int? = nil) async throws(KubeError) {
        var eviction: [String: JSONValue] = [
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
        ]
        if let gracePeriodSeconds {
            eviction["deleteOptions"] = ["gracePeriodSeconds": .int(Int64(gracePeriodSeconds))]
        }
        _ = try await send("POST", path: Path.pod(namespace, name) + "/eviction", body: JSONValue.object(eviction), as: JSONValue.self)
    }

    // MARK: Secrets and ConfigMaps

    /// Creates `secret` in its `metadata.namespace` (default: "default").
    public func createSecret(_ secret: Secret) async throws(KubeError) -> Secret {
        let namespace = secret.metadata.namespace ?? "default"
        return try await send("POST", path: "/api/v1/namespaces/\(Path.segment(namespace))/secrets", body: secret, as: Secret.self)
    }

    public func secret(namespace: String, name: String) async throws(KubeError) -> Secret {
        try await get(Secret.self, path: "/api/v1/namespaces/\(Path.segment(namespace))/secrets/\(Path.segment(name))")
    }

    public func deleteSecret(namespace: String, name: String) async throws(KubeError) {
        try await delete(path: "/api/v1/namespaces/\(Path.segment(namespace))/secrets/\(Path.segment(name))", gracePeriodSeconds: nil)
    }

    public func configMap(namespace: String, name: String) async throws(KubeError) -> ConfigMap {
        try await get(ConfigMap.self, path: "/api/v1/namespaces/\(Path.segment(namespace))/configmaps/\(Path.segment(name))")
    }

    // MARK: Helpers

    private func delete(path: String, gracePeriodSeconds: Int?) async throws(KubeError) {
        if let gracePeriodSeconds {
            let options: JSONValue = ["apiVersion": "v1", "kind": "DeleteOptions", "gracePeriodSeconds": .int(Int64(gracePeriodSeconds))]
            _ = try await send("DELETE", path: path, body: options, as: JSONValue.self)
        } else {
            _ = try await perform(method: "DELETE", path: path, query: [], body: nil, contentType: "application/json")
        }
    }

    static func selectors(label: String?, field: String?) -> [(String, String)] {
        var query: [(String, String)] = []
        if let label, !label.isEmpty { query.append(("labelSelector", label)) }
        if let field, !field.isEmpty { query.append(("fieldSelector", field)) }
        return query
    }
}

enum Path {
    /// A name as one path segment (percent-encoded, so a `/` in it cannot change the path).
    static func segment(_ name: String) -> String { QueryString.escape(name) }

    static func pod(_ namespace: String, _ name: String) -> String {
        "/api/v1/namespaces/\(segment(namespace))/pods/\(segment(name))"
    }
}
