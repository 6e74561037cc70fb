import Yams

extension ControlPlaneRenderer {
    /// kubeadm API versions kinvm writes (the shipped template is v1beta4).
    static let kubeadmAPIVersions = ["kubeadm.k8s.io/v1beta4", "kubeadm.k8s.io/v1beta3"]

    /// kubeadm's init configuration from `template`: its InitConfiguration and ClusterConfiguration
    /// get the managed fields; any other document (a KubeletConfiguration, a
    /// KubeProxyConfiguration) is kept as written.
    public static func kubeadmConfiguration(_ spec: ControlPlaneSpec, template: ControlPlaneTemplate) throws(ProvisionerError) -> String {
        try spec.validate()
        let path = template.path
        var documents = try template.documents()
        let initIndex = try document(kind: "InitConfiguration", in: documents, path: path)
        let clusterIndex = try document(kind: "ClusterConfiguration", in: documents, path: path)
        let apiVersion = documents[initIndex]["apiVersion"]?.string ?? ""
        for index in [initIndex, clusterIndex] {
            let version = documents[index]["apiVersion"]?.string ?? ""
            let kind = documents[index]["kind"]?.string ?? ""
            guard kubeadmAPIVersions.contains(version) else {
                throw ProvisionerError(
                    .template, "control-plane template \(path): \(kind) has apiVersion '\(version)'; kinvm writes kubeadm.k8s.io/v1beta4 or v1beta3")
            }
            guard version == apiVersion else {
                throw ProvisionerError(
                    .template, "control-plane template \(path): InitConfiguration is \(apiVersion) but ClusterConfiguration is \(version); use one version")
            }
        }
        try setInitConfiguration(&documents[initIndex], spec: spec, v1beta4: apiVersion.hasSuffix("/v1beta4"), path: path)
        try setClusterConfiguration(&documents[clusterIndex], spec: spec, path: path)
        return try ControlPlaneTemplate.serialize(documents, path: path)
    }

    /// The index of the one document of `kind`.
    private static func document(kind: String, in documents: [Node], path: String) throws(ProvisionerError) -> Int {
        let indices = documents.indices.filter { documents[$0]["kind"]?.string == kind }
        guard indices.count == 1 else {
            let found = documents.map { $0["kind"]?.string ?? "(no kind)" }.joined(separator: ", ")
            throw ProvisionerError(
                .template,
                "control-plane template \(path) must hold one document of kind: \(kind) (kubeadm init's configuration); it holds: \(found)")
        }
        return indices[0]
    }

    private static func setInitConfiguration(_ root: inout Node, spec: ControlPlaneSpec, v1beta4: Bool, path: String) throws(ProvisionerError) {
        let s = YAMLNodes.string
        try ControlPlaneTemplate.set(s(spec.nodeIP), at: ["localAPIEndpoint", "advertiseAddress"], in: &root, path: path)
        try ControlPlaneTemplate.set(Node(String(apiPort), Tag(.int)), at: ["localAPIEndpoint", "bindPort"], in: &root, path: path)
        try ControlPlaneTemplate.set(s(spec.nodeName), at: ["nodeRegistration", "name"], in: &root, path: path)
        if let taints = spec.taints {
            let list = taints.map { taint in
                YAMLNodes.mapping(
                    [("key", s(taint.key))] + (taint.value.isEmpty ? [] : [("value", s(taint.value))]) + [("effect", s(taint.effect.rawValue))])
            }
            try ControlPlaneTemplate.set(YAMLNodes.list(list), at: ["nodeRegistration", "taints"], in: &root, path: path)
        }
        var arguments = try KubeletArguments(root, v1beta4: v1beta4, path: path)
        arguments["node-ip"] = spec.nodeIP
        let labels = spec.labels.filter(\.kubeletMaySet)
        if !labels.isEmpty {
            arguments["node-labels"] = JoinRenderer.mergeLabels(arguments["node-labels"] ?? "", labels)
        }
        try ControlPlaneTemplate.set(arguments.node, at: ["nodeRegistration", "kubeletExtraArgs"], in: &root, path: path)
    }

    private static func setClusterConfiguration(_ root: inout Node, spec: ControlPlaneSpec, path: String) throws(ProvisionerError) {
        let s = YAMLNodes.string
        if let version = spec.version {
            try ControlPlaneTemplate.set(s(version), at: ["kubernetesVersion"], in: &root, path: path)
        }
        try ControlPlaneTemplate.set(s("\(spec.nodeIP):\(apiPort)"), at: ["controlPlaneEndpoint"], in: &root, path: path)
        let sans = try appending(spec.subjectAlternativeNames, to: ["apiServer", "certSANs"], in: root, path: path)
        try ControlPlaneTemplate.set(sans, at: ["apiServer", "certSANs"], in: &root, path: path)
        try ControlPlaneTemplate.set(s(spec.podCIDR), at: ["networking", "podSubnet"], in: &root, path: path)
        try ControlPlaneTemplate.set(s(spec.serviceCIDR), at: ["networking", "serviceSubnet"], in: &root, path: path)
    }
}

/// `nodeRegistration.kubeletExtraArgs` in either form: v1beta4's list of `{name, value}` or
/// v1beta3's map. Entries kinvm does not set keep their place and form.
private struct KubeletArguments {
    let v1beta4: Bool
    /// v1beta4: the list's entries; v1beta3: one `{name, value}` per map pair.
    private var entries: [(name: String, node: Node)]

    init(_ root: Node, v1beta4: Bool, path: String) throws(ProvisionerError) {
        self.v1beta4 = v1beta4
        let keys = ["nodeRegistration", "kubeletExtraArgs"]
        if v1beta4 {
            let list = try ControlPlaneTemplate.sequence(at: keys, in: root, path: path)
            entries = list.map { ($0["name"]?.string ?? "", $0) }
        } else {
            switch root["nodeRegistration"]?["kubeletExtraArgs"] {
            case nil: entries = []
            case .mapping(let mapping)?: entries = mapping.map { ($0.key.string ?? "", $0.value) }
            case .scalar(let scalar)? where scalar.tag == Tag(.null) || scalar.string.isEmpty: entries = []
            default:
                throw ProvisionerError(.template, "control-plane template \(path): 'nodeRegistration.kubeletExtraArgs' must be a mapping (v1beta3)")
            }
        }
    }

    subscript(name: String) -> String? {
        get {
            guard let node = entries.first(where: { $0.name == name })?.node else { return nil }
            return v1beta4 ? node["value"]?.string : node.string
        }
        set {
            guard let newValue else { return entries.removeAll { $0.name == name } }
            let node = v1beta4 ? YAMLNodes.mapping([("name", YAMLNodes.string(name)), ("value", YAMLNodes.string(newValue))]) : YAMLNodes.string(newValue)
            if let index = entries.firstIndex(where: { $0.name == name }) {
                entries[index].node = node
            } else {
                entries.append((name, node))
            }
        }
    }

    var node: Node {
        if v1beta4 { return YAMLNodes.list(entries.map(\.node)) }
        return .mapping(Node.Mapping(entries.map { (Node($0.name), $0.node) }))
    }
}
