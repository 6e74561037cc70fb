import CloudInit

/// How a new guest joins a Kubernetes cluster, and what it registers as.
public struct NodeJoinSpec: Sendable {
    public enum Method: Sendable {
        case kubeadm(KubeadmJoin)
        case k3s(K3sJoin)

        /// `kubeadm` or `k3s`.
        public var name: String {
            switch self {
            case .kubeadm: "kubeadm"
            case .k3s: "k3s"
            }
        }
    }

    public var method: Method
    /// Labels the Node gets. Those the kubelet may set go into the join configuration; the rest
    /// (node-role.kubernetes.io/…) are set by kinvm through the API once the Node exists.
    public var labels: [NodeLabel]
    /// Taints registered with the Node (so nothing is scheduled before they apply).
    public var taints: [NodeTaint]
    /// The join configuration template: a name looked up under `kubernetes/` in the template
    /// search path, or a path to a YAML file. nil: `kubeadm-join` or `k3s-agent`.
    public var template: String?

    public init(method: Method, labels: [NodeLabel] = [], taints: [NodeTaint] = [], template: String? = nil) {
        self.method = method
        self.labels = labels
        self.taints = taints
        self.template = template
    }

    public var templateName: String {
        if let template { return template }
        switch method {
        case .kubeadm: return "kubeadm-join"
        case .k3s: return "k3s-agent"
        }
    }
}

/// kubeadm's token discovery: the API endpoint the guest reaches, a bootstrap token, and the CA pin.
public struct KubeadmJoin: Sendable {
    /// `host:port` as the guest reaches the API server.
    public var endpoint: String
    public var token: BootstrapToken
    /// `sha256:<hex>` pins of the cluster CA's public key.
    public var caCertHashes: [String]

    public init(endpoint: String, token: BootstrapToken, caCertHashes: [String]) {
        self.endpoint = endpoint
        self.token = token
        self.caCertHashes = caCertHashes
    }
}

/// A k3s agent: the server URL the guest reaches, the node token, and optionally the air-gap files.
public struct K3sJoin: Sendable {
    /// `https://host:6443`.
    public var server: String
    /// The cluster's node token (`K10<ca-hash>::server:<password>` or the bare password).
    public var token: Secret
    /// A k3s binary and images tarballs on this machine, carried into the guest instead of
    /// downloading k3s from the internet.
    public var airgap: K3sAirgap?

    public init(server: String, token: Secret, airgap: K3sAirgap? = nil) {
        self.server = server
        self.token = token
        self.airgap = airgap
    }
}

/// The files of an air-gapped k3s install.
public struct K3sAirgap: Sendable, Hashable {
    /// The `k3s` binary.
    public var binary: String
    /// Images tarballs (`k3s-airgap-images-amd64.tar.zst` and any others), placed in
    /// `/var/lib/rancher/k3s/agent/images/`.
    public var images: [String]

    public init(binary: String, images: [String]) {
        self.binary = binary
        self.images = images
    }
}
