import CloudInit

/// The first node of a cluster: what ``ControlPlaneRenderer`` turns into a k3s server or a
/// `kubeadm init` through cloud-init.
public struct ControlPlaneSpec: Sendable {
    /// How the control plane is made.
    public enum Distribution: String, Sendable, Hashable, Codable, CaseIterable {
        /// `k3s server`.
        case k3s
        /// `kubeadm init`; the image must carry kubeadm, the kubelet and a container runtime.
        case kubeadm
    }

    /// The pod network (CNI) kinvm installs once the API server is up.
    public enum CNI: Sendable, Hashable {
        /// k3s: nothing (its embedded flannel). kubeadm: flannel's release manifest
        /// (``ControlPlaneSpec/flannelManifest``), whose network is the default pod CIDR 10.244.0.0/16.
        case distributionDefault
        /// Nothing: the user installs one; the Nodes stay NotReady until then. k3s runs without
        /// its flannel (``ControlPlaneSpec/replacesK3sFlannel``).
        case none
        /// A manifest URL applied with `kubectl apply -f URL` in the guest (kubeadm: when kubectl
        /// is there; k3s: `k3s kubectl`, with its flannel off).
        case manifest(String)
        /// A manifest's text, written to ``ControlPlaneRenderer/cniManifestPath`` in the guest and
        /// applied from there like ``manifest(_:)``.
        case inlineManifest(String)
    }

    /// The manifest ``CNI/distributionDefault`` applies for kubeadm.
    public static let flannelManifest = "https://github.com/flannel-io/flannel/releases/latest/download/kube-flannel.yml"

    public var distribution: Distribution
    /// k3s: `INSTALL_K3S_VERSION` (e.g. `v1.31.2+k3s1`); kubeadm: `kubernetesVersion` (e.g.
    /// `v1.31.2`; the image must carry it). nil: k3s' stable channel; kubeadm's own default.
    public var version: String?
    /// The node's name (= the guest's name and the Node's name).
    public var nodeName: String
    /// The node's reserved IPv4 address, as text (`192.168.150.10`): advertised by the API server.
    public var nodeIP: String
    /// More names and addresses for the API server's certificate, besides the node IP and name.
    public var extraSANs: [String]
    /// Labels of the Node. Those the kubelet may set go into the configuration; the rest
    /// (`node-role.kubernetes.io/…`) are set through the API afterwards (``NodeLabel/kubeletMaySet``).
    public var labels: [NodeLabel]
    /// Taints of the Node. nil: the template's (kubeadm's shipped template keeps
    /// `node-role.kubernetes.io/control-plane:NoSchedule`; k3s' has none). kubeadm: replaces the
    /// template's list (empty: no taint at all); k3s: appended to the template's `node-taint`.
    public var taints: [NodeTaint]?
    /// The pod network (k3s `cluster-cidr`, kubeadm `networking.podSubnet`).
    public var podCIDR: String
    /// The service network (k3s `service-cidr`, kubeadm `networking.serviceSubnet`).
    public var serviceCIDR: String
    /// k3s only: the binary and images carried on the air-gap disk instead of downloading k3s.
    public var airgap: K3sAirgap?
    /// k3s only: the cluster token (`token:` in config.yaml). nil: k3s generates one. Either way,
    /// read the real one from ``ControlPlaneRenderer/k3sNodeTokenPath`` afterwards.
    public var token: Secret?
    public var cni: CNI
    /// The template: a name looked up under `kubernetes/` in the template search path, or a path
    /// to a YAML file. nil: `k3s-server` or `kubeadm-init`.
    public var template: String?

    public init(
        distribution: Distribution, nodeName: String, nodeIP: String, version: String? = nil, extraSANs: [String] = [],
        labels: [NodeLabel] = [], taints: [NodeTaint]? = nil, podCIDR: String? = nil, serviceCIDR: String? = nil,
        airgap: K3sAirgap? = nil, token: Secret? = nil, cni: CNI = .distributionDefault, template: String? = nil
    ) {
        self.distribution = distribution
        self.nodeName = nodeName
        self.nodeIP = nodeIP
        self.version = version
        self.extraSANs = extraSANs
        self.labels = labels
        self.taints = taints
        self.podCIDR = podCIDR ?? Self.defaultPodCIDR(distribution)
        self.serviceCIDR = serviceCIDR ?? Self.defaultServiceCIDR(distribution)
        self.airgap = airgap
        self.token = token
        self.cni = cni
        self.template = template
    }

    /// k3s 10.42.0.0/16, kubeadm 10.244.0.0/16 (flannel's default network).
    public static func defaultPodCIDR(_ distribution: Distribution) -> String {
        distribution == .k3s ? "10.42.0.0/16" : "10.244.0.0/16"
    }

    /// k3s 10.43.0.0/16, kubeadm 10.96.0.0/12.
    public static func defaultServiceCIDR(_ distribution: Distribution) -> String {
        distribution == .k3s ? "10.43.0.0/16" : "10.96.0.0/12"
    }

    /// `k3s-server`, `kubeadm-init`, or ``template``.
    public var templateName: String {
        template ?? (distribution == .k3s ? "k3s-server" : "kubeadm-init")
    }

    /// What `kubectl apply -f` gets after init, if anything: a URL, or the path in the guest of
    /// an inline manifest.
    public var cniManifest: String? {
        switch cni {
        case .distributionDefault: distribution == .kubeadm ? Self.flannelManifest : nil
        case .none: nil
        case .manifest(let url): url
        case .inlineManifest: ControlPlaneRenderer.cniManifestPath
        }
    }

    /// k3s with a pod network other than its own: the server runs with `flannel-backend: none`
    /// and `disable-network-policy: true` (k3s' network policy controller goes with flannel).
    public var replacesK3sFlannel: Bool {
        guard distribution == .k3s else { return false }
        if case .distributionDefault = cni { return false }
        return true
    }

    /// `https://NODE_IP:6443`: the API server as the host and the other nodes reach it.
    public var apiServerURL: String { "https://\(nodeIP):\(ControlPlaneRenderer.apiPort)" }

    /// The API server certificate's names: node IP, node name, then ``extraSANs``, without repeats.
    public var subjectAlternativeNames: [String] {
        var seen: Set<String> = []
        return ([nodeIP, nodeName] + extraSANs).filter { seen.insert($0).inserted }
    }

    /// Checks what YAML quoting cannot: the node IP is IPv4 and the networks are IPv4 CIDRs.
    public func validate() throws(ProvisionerError) {
        guard Self.isIPv4(nodeIP) else {
            throw ProvisionerError(.invalidArgument, "control plane node IP '\(nodeIP)' is not an IPv4 address")
        }
        for (name, cidr) in [("pod CIDR", podCIDR), ("service CIDR", serviceCIDR)] {
            let parts = cidr.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, Self.isIPv4(String(parts[0])), let prefix = Int(parts[1]), (1...30).contains(prefix),
                parts[1].allSatisfy(\.isASCII)
            else {
                throw ProvisionerError(.invalidArgument, "\(name) '\(cidr)' is not an IPv4 network (ADDRESS/PREFIX, prefix 1-30)")
            }
        }
        if distribution == .kubeadm, airgap != nil {
            throw ProvisionerError(.invalidArgument, "an air-gap bundle is for k3s only; a kubeadm image must carry its binaries")
        }
        if case .manifest(let url) = cni, !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
            throw ProvisionerError(.invalidArgument, "CNI manifest '\(url)' must be an http(s) URL")
        }
        if case .inlineManifest(let text) = cni, text.allSatisfy(\.isWhitespace) {
            throw ProvisionerError(.invalidArgument, "the CNI manifest is empty")
        }
    }

    static func isIPv4(_ text: String) -> Bool {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4
            && octets.allSatisfy { octet in
                (1...3).contains(octet.count) && octet.allSatisfy { $0.isASCII && $0.isNumber }
                    && Int(octet).map { $0 <= 255 } == true && (octet.count == 1 || octet.first != "0")
            }
    }
}
