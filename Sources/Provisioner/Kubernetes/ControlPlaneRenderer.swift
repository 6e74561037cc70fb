import CloudInit
import Yams

/// Renders the first node of a cluster: the k3s server's config.yaml or kubeadm's
/// InitConfiguration + ClusterConfiguration (from their templates), and the cloud-config that
/// writes it and starts the control plane. The counterpart of ``JoinRenderer``. Pure: no I/O
/// beyond what the caller read.
public enum ControlPlaneRenderer {
    /// The API server's port (k3s and kubeadm alike).
    public static let apiPort = 6443
    /// The k3s server's admin kubeconfig (server `https://127.0.0.1:6443`), read back through the guest agent.
    public static let k3sKubeconfigPath = "/etc/rancher/k3s/k3s.yaml"
    /// The k3s server's node token (`K10<ca-hash>::server:<password>`), read back for the agents.
    public static let k3sNodeTokenPath = "/var/lib/rancher/k3s/server/node-token"
    /// kubeadm's admin kubeconfig (server `https://NODE_IP:6443`), read back through the guest agent.
    public static let kubeadmAdminKubeconfigPath = "/etc/kubernetes/admin.conf"
    /// Where kinvm puts kubeadm's InitConfiguration + ClusterConfiguration in the guest.
    public static let kubeadmConfigPath = "/etc/kubernetes/kinvm/init.yaml"
    /// k3s' own configuration file (the server reads it like the agent).
    public static let k3sConfigPath = JoinRenderer.k3sConfigPath
    /// The systemd unit kinvm writes for the k3s server (get.k3s.io's installer replaces it when it runs).
    public static let k3sUnitPath = "/etc/systemd/system/k3s.service"
    /// Where an inline CNI manifest (a file named by the spec) is written in the guest.
    public static let cniManifestPath = "/etc/kinvm/cni.yaml"

    /// The admin kubeconfig's path in the guest for `distribution`.
    public static func adminKubeconfigPath(_ distribution: ControlPlaneSpec.Distribution) -> String {
        distribution == .k3s ? k3sKubeconfigPath : kubeadmAdminKubeconfigPath
    }

    /// Finds the spec's template along `searchPath` and renders the whole cloud-config.
    public static func render(
        _ spec: ControlPlaneSpec, searchPath: [String], sshAuthorizedKeys: [String]
    ) throws(ProvisionerError) -> CloudConfig {
        let template = try ControlPlaneTemplate.find(spec.templateName, searchPath: searchPath)
        return cloudConfig(spec, configuration: try configuration(spec, template: template), sshAuthorizedKeys: sshAuthorizedKeys)
    }

    /// ``k3sConfiguration(_:template:)`` or ``kubeadmConfiguration(_:template:)``, by distribution.
    public static func configuration(_ spec: ControlPlaneSpec, template: ControlPlaneTemplate) throws(ProvisionerError) -> String {
        switch spec.distribution {
        case .k3s: try k3sConfiguration(spec, template: template)
        case .kubeadm: try kubeadmConfiguration(spec, template: template)
        }
    }

    /// The k3s server's config.yaml, from `template` (one document, no `kind`).
    public static func k3sConfiguration(_ spec: ControlPlaneSpec, template: ControlPlaneTemplate) throws(ProvisionerError) -> String {
        try spec.validate()
        let path = template.path
        let documents = try template.documents()
        guard documents.count == 1, var root = documents.first else {
            throw ProvisionerError(.template, "k3s template \(path) must be one YAML document (k3s' config.yaml), not \(documents.count)")
        }
        if let kind = root["kind"]?.string ?? root["apiVersion"]?.string {
            throw ProvisionerError(
                .template, "k3s template \(path) is a Kubernetes object ('\(kind)'), not a k3s config.yaml (k3s server flags without dashes)")
        }
        let s = YAMLNodes.string
        let set = ControlPlaneTemplate.set
        try set(s(spec.nodeName), ["node-name"], &root, path)
        try set(s(spec.nodeIP), ["node-ip"], &root, path)
        try set(s(spec.nodeIP), ["advertise-address"], &root, path)
        try set(try appending(spec.subjectAlternativeNames, to: ["tls-san"], in: root, path: path), ["tls-san"], &root, path)
        try set(s("0600"), ["write-kubeconfig-mode"], &root, path)
        try set(s(spec.podCIDR), ["cluster-cidr"], &root, path)
        try set(s(spec.serviceCIDR), ["service-cidr"], &root, path)
        let labels = spec.labels.filter(\.kubeletMaySet).map(\.description)
        try set(try appending(labels, to: ["node-label"], in: root, path: path, unique: false), ["node-label"], &root, path)
        let taints = (spec.taints ?? []).map(\.description)
        try set(try appending(taints, to: ["node-taint"], in: root, path: path, unique: false), ["node-taint"], &root, path)
        if let token = spec.token {
            try set(s(token.revealed), ["token"], &root, path)
        }
        if spec.replacesK3sFlannel {
            try set(s("none"), ["flannel-backend"], &root, path)
            try set(Node("true", Tag(.bool), .plain), ["disable-network-policy"], &root, path)
        }
        return try ControlPlaneTemplate.serialize([root], path: path)
    }

    /// The list at `keys` in `node` with `values` appended as quoted strings (skipping ones
    /// already there when `unique`).
    static func appending(
        _ values: [String], to keys: [String], in node: Node, path: String, unique: Bool = true
    ) throws(ProvisionerError) -> Node {
        var items = try ControlPlaneTemplate.sequence(at: keys, in: node, path: path)
        for value in values where !unique || !items.contains(where: { $0.string == value }) {
            items.append(YAMLNodes.string(value))
        }
        return YAMLNodes.list(items)
    }

    /// The cloud-config of the control-plane guest: host name, SSH keys, the configuration
    /// (mode 0600) and the commands that start the control plane. `configuration` is what
    /// ``configuration(_:template:)`` made.
    public static func cloudConfig(_ spec: ControlPlaneSpec, configuration: String, sshAuthorizedKeys: [String]) -> CloudConfig {
        var config = CloudConfig(hostname: spec.nodeName, locale: .disabled, sshAuthorizedKeys: sshAuthorizedKeys)
        switch spec.distribution {
        case .k3s:
            config.writeFiles = [
                .init(path: k3sConfigPath, content: .secret(Secret(configuration)), permissions: 0o600, owner: "root:root"),
                .init(path: k3sUnitPath, content: .text(k3sServerUnit), permissions: 0o644),
            ]
            config.runcmd = k3sCommands(spec)
        case .kubeadm:
            config.writeFiles = [
                .init(path: kubeadmConfigPath, content: .secret(Secret(configuration)), permissions: 0o600, owner: "root:root")
            ]
            config.runcmd = [.argv(["kubeadm", "init", "--config", kubeadmConfigPath, "--skip-token-print"])]
        }
        if case .inlineManifest(let text) = spec.cni {
            config.writeFiles.append(.init(path: cniManifestPath, content: .text(text), permissions: 0o644))
        }
        if let command = cniCommand(spec) { config.runcmd.append(.shell(command)) }
        return config
    }

    /// The command that applies the spec's CNI manifest once the admin kubeconfig is there:
    /// kubeadm with the guest's kubectl (skipped without one), k3s with the kubectl it embeds.
    static func cniCommand(_ spec: ControlPlaneSpec) -> String? {
        guard let manifest = spec.cniManifest else { return nil }
        let kubeconfig = adminKubeconfigPath(spec.distribution)
        switch spec.distribution {
        case .kubeadm:
            return "if [ -s \(kubeconfig) ] && command -v kubectl >/dev/null 2>&1; then kubectl --kubeconfig \(kubeconfig) apply -f \(shellQuoted(manifest)); fi"
        case .k3s:
            return "if [ -s \(kubeconfig) ]; then k3s kubectl --kubeconfig \(kubeconfig) apply -f \(shellQuoted(manifest)); fi"
        }
    }

    /// Air-gapped: unpack the disk, start the unit. Otherwise the same unit when the image already
    /// has `/usr/local/bin/k3s` (kinvm's test image), else get.k3s.io's installer.
    static func k3sCommands(_ spec: ControlPlaneSpec) -> [CloudConfig.Command] {
        let start: [CloudConfig.Command] = [
            .argv(["systemctl", "daemon-reload"]),
            .argv(["systemctl", "enable", "--now", "k3s.service"]),
        ]
        if spec.airgap != nil {
            return [.argv(["tar", "-x", "-f", "/dev/disk/by-id/virtio-\(JoinRenderer.airgapDiskSerial)", "-C", "/", "--no-same-owner"])]
                + start
        }
        // k3s' installer reads the rest from config.yaml.
        let environment = (spec.version.map { ["INSTALL_K3S_VERSION=\(shellQuoted($0))"] } ?? []) + ["INSTALL_K3S_EXEC=\(shellQuoted("server"))"]
        let install = "curl -sfL https://get.k3s.io | \(environment.joined(separator: " ")) sh -"
        return [
            .shell(
                "if [ -x /usr/local/bin/k3s ]; then systemctl daemon-reload && systemctl enable --now k3s.service; else \(install); fi")
        ]
    }

    /// `value` as one shell word: single-quoted, each `'` written as `'\''`.
    static func shellQuoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    /// The unit get.k3s.io's installer writes for `k3s server`, trimmed like the agent's
    /// (``JoinRenderer``). `Type=exec` rather than the installer's `notify`: `systemctl enable
    /// --now` returns once k3s runs instead of blocking cloud-init until the API is ready (kinvm
    /// waits for that itself, with a timeout).
    static let k3sServerUnit = """
        [Unit]
        Description=Lightweight Kubernetes (server, installed by kinvm)
        Documentation=https://k3s.io
        Wants=network-online.target
        After=network-online.target

        [Service]
        Type=exec
        EnvironmentFile=-/etc/default/k3s
        KillMode=process
        Delegate=yes
        LimitNOFILE=1048576
        LimitNPROC=infinity
        LimitCORE=infinity
        TasksMax=infinity
        TimeoutStartSec=0
        Restart=always
        RestartSec=5s
        ExecStartPre=-/sbin/modprobe br_netfilter
        ExecStartPre=-/sbin/modprobe overlay
        ExecStart=/usr/local/bin/k3s server

        [Install]
        WantedBy=multi-user.target

        """
}
