import Foundation

/// Keeps `kube-public/cluster-info` like kubeadm and the bootstrap signer do: `data.kubeconfig`
/// and one `jws-kubeconfig-<tokenid>` signature per usable signing bootstrap token.
struct ClusterInfoPublisher: Sendable {
    static let namespace = "kube-public"
    static let name = "cluster-info"

    let store: ObjectStore
    let caCertificatePEM: String
    let serverURL: String

    var key: ObjectKey { ObjectKey(.configMaps, namespace: ClusterInfoPublisher.namespace, name: ClusterInfoPublisher.name) }
    var kubeconfig: String { KubeconfigWriter.clusterInfo(server: serverURL, caCertificatePEM: caCertificatePEM) }

    /// Creates the ConfigMap (at server start).
    func publish() throws(APIError) {
        let data = self.data(now: Date())
        _ = try store.create(key, subject: ResourceType.configMaps.subject(ClusterInfoPublisher.name)) { version in
            Defaults.prepareCreate(
                ["metadata": ["name": .string(ClusterInfoPublisher.name)], "data": .stringMap(data)], type: .configMaps,
                namespace: ClusterInfoPublisher.namespace, resourceVersion: version,
                user: StandInUser(name: "system:apiserver", groups: ["system:masters"]))
        }
    }

    /// Recomputes the signatures after a token change (or expiry); writes only when they differ.
    func refresh(now: Date = Date()) {
        let data = self.data(now: now)
        _ = try? store.update(key, subject: ResourceType.configMaps.subject(ClusterInfoPublisher.name)) { current, version in
            guard current["data"]?.stringMap != data else { return current }
            var next = current
            next["data"] = .stringMap(data)
            next[path: ["metadata", "resourceVersion"]] = .string(String(version))
            return next
        }
    }

    private func data(now: Date) -> [String: String] {
        let kubeconfig = self.kubeconfig
        var data = ["kubeconfig": kubeconfig]
        let (secrets, _) = store.list(.secrets, namespace: BootstrapToken.secretNamespace, labels: .everything, fields: nil)
        for secret in secrets {
            guard let token = BootstrapTokenSecret(secret)?.signingToken(now: now) else { continue }
            data["jws-kubeconfig-\(token.id)"] = DetachedJWS.sign(payload: kubeconfig, token: token)
        }
        return data
    }
}
