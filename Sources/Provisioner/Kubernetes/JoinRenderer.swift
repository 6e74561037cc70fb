import CloudInit
import Yams

/// Renders what a guest needs to join: the join configuration (from its template) and the
/// cloud-config that writes it and runs the join. Pure: no I/O beyond what the caller read.
public enum JoinRenderer {
    /// Where kinvm puts the kubeadm JoinConfiguration in the guest.
    public static let kubeadmConfigPath = "/etc/kubernetes/kinvm/join.yaml"
    /// k3s' own configuration file.
    public static let k3sConfigPath = "/etc/rancher/k3s/config.yaml"
    /// The systemd unit kinvm writes for an air-gapped k3s agent (install.sh writes it otherwise).
    public static let k3sUnitPath = "/etc/systemd/system/k3s-agent.service"
    /// The serial of the air-gap disk: the guest sees it as /dev/disk/by-id/virtio-kinvm-airgap.
    public static let airgapDiskSerial = "kinvm-airgap"

    /// The kubeadm JoinConfiguration for `node`, from `template`.
    public static func kubeadmConfiguration(
        _ join: KubeadmJoin, node: String, spec: NodeJoinSpec, template: JoinTemplate
    ) throws(ProvisionerError) -> String {
        var root = try template.root()
        let path = template.path
        guard root["kind"]?.string == "JoinConfiguration" else {
            throw ProvisionerError(.template, "join template \(path) must have kind: JoinConfiguration")
        }
        let apiVersion = root["apiVersion"]?.string ?? ""
        guard ["kubeadm.k8s.io/v1beta3", "kubeadm.k8s.io/v1beta4"].contains(apiVersion) else {
            throw ProvisionerError(
                .template, "join template \(path) has apiVersion '\(apiVersion)'; kinvm writes kubeadm.k8s.io/v1beta4 or v1beta3")
        }
        let s = YAMLNodes.string
        try YAMLNodes.set(s(join.endpoint), at: ["discovery", "bootstrapToken", "apiServerEndpoint"], in: &root, path: path)
        try YAMLNodes.set(s(join.token.token), at: ["discovery", "bootstrapToken", "token"], in: &root, path: path)
        try YAMLNodes.set(
            YAMLNodes.list(join.caCertHashes.map(s)), at: ["discovery", "bootstrapToken", "caCertHashes"], in: &root, path: path)
        try YAMLNodes.set(s(node), at: ["nodeRegistration", "name"], in: &root, path: path)
        let taints = spec.taints.map { taint in
            YAMLNodes.mapping(
                [("key", s(taint.key))] + (taint.value.isEmpty ? [] : [("value", s(taint.value))])
                    + [("effect", s(taint.effect.rawValue))])
        }
        try YAMLNodes.set(YAMLNodes.list(taints), at: ["nodeRegistration", "taints"], in: &root, path: path)

        let kubeletLabels = spec.labels.filter(\.kubeletMaySet)
        if !kubeletLabels.isEmpty {
            if apiVersion == "kubeadm.k8s.io/v1beta4" {
                // v1beta4: a list of {name, value}.
                var args = try YAMLNodes.sequence(at: ["nodeRegistration", "kubeletExtraArgs"], in: root, path: path)
                let existing = args.firstIndex { $0["name"]?.string == "node-labels" }
                let merged = mergeLabels(existing.flatMap { args[$0]["value"]?.string } ?? "", kubeletLabels)
                let entry = YAMLNodes.mapping([("name", s("node-labels")), ("value", s(merged))])
                if let existing { args[existing] = entry } else { args.append(entry) }
                try YAMLNodes.set(YAMLNodes.list(args), at: ["nodeRegistration", "kubeletExtraArgs"], in: &root, path: path)
            } else {
                // v1beta3: a map.
                let given = root["nodeRegistration"]?["kubeletExtraArgs"]?["node-labels"]?.string ?? ""
                try YAMLNodes.set(
                    s(mergeLabels(given, kubeletLabels)), at: ["nodeRegistration", "kubeletExtraArgs", "node-labels"], in: &root,
                    path: path)
            }
        }
        return try JoinTemplate.serialize(root, path: path)
    }

    /// The k3s agent's config.yaml for `node`, from `template`.
    public static func k3sConfiguration(
        _ join: K3sJoin, node: String, spec: NodeJoinSpec, template: JoinTemplate
    ) throws(ProvisionerError) -> String {
        var root = try template.root()
        let path = template.path
        let s = YAMLNodes.string
        try YAMLNodes.set(s(join.server), at: ["server"], in: &root, path: path)
        try YAMLNodes.set(s(join.token.revealed), at: ["token"], in: &root, path: path)
        try YAMLNodes.set(s(node), at: ["node-name"], in: &root, path: path)
        let labels = try YAMLNodes.sequence(at: ["node-label"], in: root, path: path) + spec.labels.filter(\.kubeletMaySet)
            .map { s($0.description) }
        try YAMLNodes.set(YAMLNodes.list(labels), at: ["node-label"], in: &root, path: path)
        let taints = try YAMLNodes.sequence(at: ["node-taint"], in: root, path: path) + spec.taints.map { s($0.description) }
        try YAMLNodes.set(YAMLNodes.list(taints), at: ["node-taint"], in: &root, path: path)
        return try JoinTemplate.serialize(root, path: path)
    }

    /// `a=b,c=d` with `labels` added (replacing equal keys).
    static func mergeLabels(_ given: String, _ labels: [NodeLabel]) -> String {
        var pairs: [(String, String)] = given.split(separator: ",").map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
        for label in labels {
            pairs.removeAll { $0.0 == label.key }
            pairs.append((label.key, label.value))
        }
        return pairs.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
    }

    /// The guest's cloud-config: host name, SSH keys, the join configuration (mode 0600) and the
    /// commands that join. `configuration` is what ``kubeadmConfiguration`` or ``k3sConfiguration`` made.
    public static func cloudConfig(
        node: String, method: NodeJoinSpec.Method, configuration: String, sshAuthorizedKeys: [String]
    ) -> CloudConfig {
        var config = CloudConfig(hostname: node, locale: .disabled, sshAuthorizedKeys: sshAuthorizedKeys)
        switch method {
        case .kubeadm:
            config.writeFiles = [
                .init(path: kubeadmConfigPath, content: .secret(Secret(configuration)), permissions: 0o600, owner: "root:root")
            ]
            config.runcmd = [.argv(["kubeadm", "join", "--config", kubeadmConfigPath])]
        case .k3s(let join):
            config.writeFiles = [
                .init(path: k3sConfigPath, content: .secret(Secret(configuration)), permissions: 0o600, owner: "root:root")
            ]
            if join.airgap != nil {
                config.writeFiles.append(.init(path: k3sUnitPath, content: .text(k3sAgentUnit), permissions: 0o644))
                config.runcmd = [
                    .argv(["tar", "-x", "-f", "/dev/disk/by-id/virtio-\(airgapDiskSerial)", "-C", "/", "--no-same-owner"]),
                    .argv(["systemctl", "daemon-reload"]),
                    .argv(["systemctl", "enable", "--now", "k3s-agent.service"]),
                ]
            } else {
                // k3s' installer reads server and token from config.yaml.
                config.runcmd = [
                    .argv(["sh", "-c", "curl -sfL https://get.k3s.io | INSTALL_K3S_EXEC=agent sh -"])
                ]
            }
        }
        return config
    }

    /// The unit install.sh would write for `k3s agent` (trimmed to what an agent needs).
    static let k3sAgentUnit = """
        [Unit]
        Description=Lightweight Kubernetes (agent, installed by kinvm)
        Documentation=https://k3s.io
        Wants=network-online.target
        After=network-online.target

        [Service]
        Type=exec
        EnvironmentFile=-/etc/default/k3s-agent
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
        ExecStart=/usr/local/bin/k3s agent

        [Install]
        WantedBy=multi-user.target

        """
}
