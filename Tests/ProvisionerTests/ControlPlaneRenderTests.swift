import CloudInit
import Foundation
import Provisioner
import Testing
import Yams

@Suite("Control plane: k3s server and kubeadm init configuration, cloud-config, admin kubeconfig")
struct ControlPlaneRenderTests {
    static let templates = NodeJoinTests.templates

    static func k3sSpec(airgap: K3sAirgap? = nil, version: String? = nil) throws -> ControlPlaneSpec {
        ControlPlaneSpec(
            distribution: .k3s, nodeName: "lab-cp-1", nodeIP: "192.168.150.10", version: version,
            extraSANs: ["api.lab.example", "192.168.150.10"],
            labels: try NodeLabel.parseList("tier=control,node-role.kubernetes.io/control-plane=,n=007"),
            taints: try NodeTaint.parseList("dedicated=cp:NoSchedule"), airgap: airgap, token: Secret("s3cret-token"))
    }

    static func kubeadmSpec(taints: [NodeTaint]? = nil, template: String? = nil) throws -> ControlPlaneSpec {
        ControlPlaneSpec(
            distribution: .kubeadm, nodeName: "lab-cp-1", nodeIP: "192.168.150.10", version: "v1.31.2",
            extraSANs: ["api.lab.example"], labels: try NodeLabel.parseList("tier=control,node-role.kubernetes.io/control-plane="),
            taints: taints, template: template)
    }

    /// Each YAML document of `text`, as a dictionary.
    static func documents(_ text: String) throws -> [[String: Any]] {
        try Yams.load_all(yaml: text).map { try #require($0 as? [String: Any]) }
    }

    static func cloud(_ config: CloudConfig) throws -> [String: Any] {
        try #require(try Yams.load(yaml: try config.yaml()) as? [String: Any])
    }

    // MARK: k3s

    @Test func k3sServerConfigurationFromTheShippedTemplate() throws {
        let spec = try Self.k3sSpec()
        #expect(spec.podCIDR == "10.42.0.0/16" && spec.serviceCIDR == "10.43.0.0/16")
        let template = try ControlPlaneTemplate.find(spec.templateName, searchPath: [Self.templates])
        #expect(template.path.hasSuffix("kubernetes/k3s-server.yaml"))
        let yaml = try ControlPlaneRenderer.configuration(spec, template: template)
        let parsed = try #require(try Self.documents(yaml).first)
        #expect(parsed["node-name"] as? String == "lab-cp-1")
        #expect(parsed["node-ip"] as? String == "192.168.150.10")
        #expect(parsed["advertise-address"] as? String == "192.168.150.10")
        // The node IP appears once though the spec repeats it.
        #expect(parsed["tls-san"] as? [String] == ["192.168.150.10", "lab-cp-1", "api.lab.example"])
        #expect(parsed["write-kubeconfig-mode"] as? String == "0600")
        #expect(parsed["cluster-cidr"] as? String == "10.42.0.0/16")
        #expect(parsed["service-cidr"] as? String == "10.43.0.0/16")
        // node-role labels are the API's to set; "007" stays a string.
        #expect(parsed["node-label"] as? [String] == ["tier=control", "n=007"])
        #expect(parsed["node-taint"] as? [String] == ["dedicated=cp:NoSchedule"])
        #expect(parsed["token"] as? String == "s3cret-token")
        #expect(parsed.count == 10)
    }

    @Test func k3sUserTemplateKeepsItsOwnSettings() throws {
        let directory = try Self.userTemplates([
            "k3s-server.yaml": """
            disable: [traefik]
            kubelet-arg: ["max-pods=50"]
            tls-san: [extra.example]
            node-label: ["zone=a"]
            node-taint: ["CriticalAddonsOnly=true:NoExecute"]
            """
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var spec = try Self.k3sSpec()
        spec.taints = nil
        spec.token = nil
        // The user's directory comes first in the search path and wins over the shipped file.
        let template = try ControlPlaneTemplate.find(spec.templateName, searchPath: [directory, Self.templates])
        #expect(template.path == directory + "/kubernetes/k3s-server.yaml")
        let parsed = try #require(try Self.documents(try ControlPlaneRenderer.k3sConfiguration(spec, template: template)).first)
        #expect(parsed["disable"] as? [String] == ["traefik"])
        #expect(parsed["kubelet-arg"] as? [String] == ["max-pods=50"])
        #expect(parsed["tls-san"] as? [String] == ["extra.example", "192.168.150.10", "lab-cp-1", "api.lab.example"])
        #expect(parsed["node-label"] as? [String] == ["zone=a", "tier=control", "n=007"])
        #expect(parsed["node-taint"] as? [String] == ["CriticalAddonsOnly=true:NoExecute"])
        #expect(parsed["token"] == nil)
    }

    @Test func k3sOnlineInstallQuotesHostileValues() throws {
        let directory = try Self.userTemplates([:])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let marker = directory + "/ran"
        let version = "v1.31.2+k3s1'; touch \(marker) #$(touch \(marker))`touch \(marker)`\"$HOME"
        let spec = try Self.k3sSpec(version: version)
        let config = ControlPlaneRenderer.cloudConfig(spec, configuration: "node-name: x\n", sshAuthorizedKeys: [])
        let cloud = try Self.cloud(config)
        let runcmd = try #require(cloud["runcmd"] as? [String])
        #expect(runcmd.count == 1)
        let line = try #require(runcmd.first)
        #expect(line.hasPrefix("if [ -x /usr/local/bin/k3s ]; then systemctl daemon-reload && systemctl enable --now k3s.service; else curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION='v1.31.2+k3s1'\\''; touch "))
        #expect(line.hasSuffix(" INSTALL_K3S_EXEC='server' sh -; fi"))

        // Run the rendered line with a `curl` that serves a script printing what the installer gets.
        try "#!/bin/sh\necho 'printf \"%s|%s\" \"$INSTALL_K3S_VERSION\" \"$INSTALL_K3S_EXEC\"'\n"
            .write(toFile: directory + "/curl", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory + "/curl")
        try #require(!FileManager.default.fileExists(atPath: "/usr/local/bin/k3s"), "this test needs a host without k3s")
        #expect(try Self.shell("PATH=\(directory):/usr/bin:/bin; " + line) == version + "|server")
        #expect(!FileManager.default.fileExists(atPath: marker))

        let files = try #require(cloud["write_files"] as? [[String: Any]])
        #expect(files.map { $0["path"] as? String } == ["/etc/rancher/k3s/config.yaml", "/etc/systemd/system/k3s.service"])
        #expect(files.map { $0["permissions"] as? String } == ["0600", "0644"])
        #expect((files[1]["content"] as? String)?.contains("ExecStart=/usr/local/bin/k3s server\n") == true)
    }

    @Test func k3sWithoutAVersionTakesTheStableChannel() throws {
        let spec = try Self.k3sSpec()
        let runcmd = try #require(try Self.cloud(ControlPlaneRenderer.cloudConfig(spec, configuration: "", sshAuthorizedKeys: []))["runcmd"] as? [String])
        #expect(runcmd.first?.contains("| INSTALL_K3S_EXEC='server' sh -; fi") == true)
        #expect(runcmd.first?.contains("INSTALL_K3S_VERSION") == false)
    }

    @Test func airGappedK3sServerUnpacksTheDiskAndStartsTheServerUnit() throws {
        let spec = try Self.k3sSpec(airgap: K3sAirgap(binary: "/tmp/k3s", images: ["/tmp/images.tar.zst"]))
        let template = try ControlPlaneTemplate.find(spec.templateName, searchPath: [Self.templates])
        let configuration = try ControlPlaneRenderer.configuration(spec, template: template)
        let config = ControlPlaneRenderer.cloudConfig(spec, configuration: configuration, sshAuthorizedKeys: ["ssh-ed25519 AAAA me"])
        let cloud = try Self.cloud(config)
        #expect(cloud["hostname"] as? String == "lab-cp-1")
        #expect(cloud["ssh_authorized_keys"] as? [String] == ["ssh-ed25519 AAAA me"])
        let runcmd = try #require(cloud["runcmd"] as? [[String]])
        #expect(
            runcmd == [
                ["tar", "-x", "-f", "/dev/disk/by-id/virtio-kinvm-airgap", "-C", "/", "--no-same-owner"],
                ["systemctl", "daemon-reload"],
                ["systemctl", "enable", "--now", "k3s.service"],
            ])
        let files = try #require(cloud["write_files"] as? [[String: Any]])
        let unit = try #require(files.first { $0["path"] as? String == "/etc/systemd/system/k3s.service" }?["content"] as? String)
        #expect(unit.contains("ExecStart=/usr/local/bin/k3s server\n"))
        #expect(!unit.contains("k3s agent"))
        let written = try #require(files.first { $0["path"] as? String == "/etc/rancher/k3s/config.yaml" }?["content"] as? String)
        #expect(written == configuration)
        // The token is a secret: the description of the config never shows it.
        #expect(!"\(config)".contains("s3cret-token"))
    }

    // MARK: kubeadm

    @Test func kubeadmInitConfigurationFromTheShippedTemplate() throws {
        let spec = try Self.kubeadmSpec()
        #expect(spec.podCIDR == "10.244.0.0/16" && spec.serviceCIDR == "10.96.0.0/12")
        let template = try ControlPlaneTemplate.find(spec.templateName, searchPath: [Self.templates])
        let docs = try Self.documents(try ControlPlaneRenderer.configuration(spec, template: template))
        #expect(docs.count == 2)
        let initConfiguration = try #require(docs.first { $0["kind"] as? String == "InitConfiguration" })
        #expect(initConfiguration["apiVersion"] as? String == "kubeadm.k8s.io/v1beta4")
        let endpoint = try #require(initConfiguration["localAPIEndpoint"] as? [String: Any])
        #expect(endpoint["advertiseAddress"] as? String == "192.168.150.10")
        #expect(endpoint["bindPort"] as? Int == 6443)
        let registration = try #require(initConfiguration["nodeRegistration"] as? [String: Any])
        #expect(registration["name"] as? String == "lab-cp-1")
        #expect(registration["criSocket"] as? String == "unix:///run/containerd/containerd.sock")
        // No taints in the spec: the template's control-plane taint stays.
        #expect(registration["taints"] as? [[String: String]] == [["key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"]])
        #expect(
            registration["kubeletExtraArgs"] as? [[String: String]] == [
                ["name": "node-ip", "value": "192.168.150.10"], ["name": "node-labels", "value": "tier=control"],
            ])

        let cluster = try #require(docs.first { $0["kind"] as? String == "ClusterConfiguration" })
        #expect(cluster["apiVersion"] as? String == "kubeadm.k8s.io/v1beta4")
        #expect(cluster["kubernetesVersion"] as? String == "v1.31.2")
        #expect(cluster["controlPlaneEndpoint"] as? String == "192.168.150.10:6443")
        #expect(cluster["clusterName"] as? String == "kubernetes")
        #expect((cluster["apiServer"] as? [String: Any])?["certSANs"] as? [String] == ["192.168.150.10", "lab-cp-1", "api.lab.example"])
        let networking = try #require(cluster["networking"] as? [String: Any])
        #expect(networking["podSubnet"] as? String == "10.244.0.0/16")
        #expect(networking["serviceSubnet"] as? String == "10.96.0.0/12")
        #expect(networking["dnsDomain"] as? String == "cluster.local")
    }

    @Test func kubeadmV1beta3UserTemplateKeepsItsKubeletArgumentsAndOtherDocuments() throws {
        let directory = try Self.userTemplates([
            "kubeadm-init.yaml": """
            apiVersion: kubeadm.k8s.io/v1beta3
            kind: InitConfiguration
            nodeRegistration:
              criSocket: unix:///run/crio/crio.sock
              kubeletExtraArgs:
                max-pods: "50"
                node-labels: "zone=a,tier=old"
            ---
            apiVersion: kubeadm.k8s.io/v1beta3
            kind: ClusterConfiguration
            apiServer:
              certSANs: [lb.example]
              timeoutForControlPlane: 8m0s
            ---
            apiVersion: kubelet.config.k8s.io/v1beta1
            kind: KubeletConfiguration
            cgroupDriver: systemd
            """
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spec = try Self.kubeadmSpec(taints: [], template: "kubeadm-init")
        let template = try ControlPlaneTemplate.find(spec.templateName, searchPath: [directory, Self.templates])
        let docs = try Self.documents(try ControlPlaneRenderer.kubeadmConfiguration(spec, template: template))
        #expect(docs.map { $0["kind"] as? String } == ["InitConfiguration", "ClusterConfiguration", "KubeletConfiguration"])
        let registration = try #require(docs[0]["nodeRegistration"] as? [String: Any])
        #expect(registration["criSocket"] as? String == "unix:///run/crio/crio.sock")
        #expect(registration["name"] as? String == "lab-cp-1")
        // The spec said "no taints": an empty list, which kubeadm takes as none.
        #expect((registration["taints"] as? [Any])?.isEmpty == true)
        let arguments = try #require(registration["kubeletExtraArgs"] as? [String: String])
        #expect(arguments == ["max-pods": "50", "node-labels": "zone=a,tier=control", "node-ip": "192.168.150.10"])
        #expect((docs[0]["localAPIEndpoint"] as? [String: Any])?["bindPort"] as? Int == 6443)
        let apiServer = try #require(docs[1]["apiServer"] as? [String: Any])
        #expect(apiServer["certSANs"] as? [String] == ["lb.example", "192.168.150.10", "lab-cp-1", "api.lab.example"])
        #expect(apiServer["timeoutForControlPlane"] as? String == "8m0s")
        #expect(docs[2]["cgroupDriver"] as? String == "systemd")
    }

    @Test func kubeadmTaintsFromTheSpecReplaceTheTemplates() throws {
        let spec = try Self.kubeadmSpec(taints: try NodeTaint.parseList("dedicated=cp:NoExecute"))
        let template = try ControlPlaneTemplate.find(spec.templateName, searchPath: [Self.templates])
        let docs = try Self.documents(try ControlPlaneRenderer.kubeadmConfiguration(spec, template: template))
        let registration = try #require(docs[0]["nodeRegistration"] as? [String: Any])
        #expect(registration["taints"] as? [[String: String]] == [["key": "dedicated", "value": "cp", "effect": "NoExecute"]])
    }

    @Test func kubeadmCloudConfigRunsInitThenAppliesTheCNI() throws {
        let spec = try Self.kubeadmSpec()
        let cloud = try Self.cloud(ControlPlaneRenderer.cloudConfig(spec, configuration: "kind: InitConfiguration\n", sshAuthorizedKeys: []))
        let files = try #require(cloud["write_files"] as? [[String: Any]])
        #expect(files.map { $0["path"] as? String } == ["/etc/kubernetes/kinvm/init.yaml"])
        #expect(files.first?["permissions"] as? String == "0600")
        let runcmd = try #require(cloud["runcmd"] as? [Any])
        #expect(runcmd.first as? [String] == ["kubeadm", "init", "--config", "/etc/kubernetes/kinvm/init.yaml", "--skip-token-print"])
        #expect(
            runcmd.last as? String
                == "if [ -s /etc/kubernetes/admin.conf ] && command -v kubectl >/dev/null 2>&1; then kubectl --kubeconfig /etc/kubernetes/admin.conf apply -f 'https://github.com/flannel-io/flannel/releases/latest/download/kube-flannel.yml'; fi"
        )

        var none = spec
        none.cni = .none
        let bare = try Self.cloud(ControlPlaneRenderer.cloudConfig(none, configuration: "", sshAuthorizedKeys: []))
        #expect((bare["runcmd"] as? [Any])?.count == 1)
        var own = spec
        own.cni = .manifest("https://example.com/cni's.yaml")
        let custom = try #require(try Self.cloud(ControlPlaneRenderer.cloudConfig(own, configuration: "", sshAuthorizedKeys: []))["runcmd"] as? [Any])
        #expect((custom.last as? String)?.contains(#"apply -f 'https://example.com/cni'\''s.yaml'; fi"#) == true)
        // k3s brings its own flannel: nothing applied by default.
        #expect(try Self.k3sSpec().cniManifest == nil)
    }

    // MARK: errors

    @Test func templatesOfTheWrongKindOrVersionAreRefusedNamingThePath() async throws {
        let kubeadm = try Self.kubeadmSpec()
        let cluster = "---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n"
        for (text, reason) in [
            ("apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\n" + cluster, "must hold one document of kind: InitConfiguration"),
            ("apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n", "must hold one document of kind: ClusterConfiguration"),
            ("apiVersion: kubeadm.k8s.io/v1beta2\nkind: InitConfiguration\n" + cluster, "InitConfiguration has apiVersion 'kubeadm.k8s.io/v1beta2'"),
            ("apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\n" + cluster, "InitConfiguration is kubeadm.k8s.io/v1beta3 but"),
            ("node-name: x\n", "must hold one document of kind: InitConfiguration"),
            ("- a\n", "must be a YAML mapping"),
            ("kind: [unclosed\n", "is not valid YAML"),
            ("apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nnodeRegistration: 5\n" + cluster, "'nodeRegistration' must be a mapping"),
        ] {
            await expectProvisionerError(.template, containing: [reason, "/tmp/mine.yaml"]) {
                _ = try ControlPlaneRenderer.kubeadmConfiguration(kubeadm, template: ControlPlaneTemplate(path: "/tmp/mine.yaml", text: text))
            }
        }
        let k3s = try Self.k3sSpec()
        for (text, reason) in [
            ("apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n", "is a Kubernetes object ('InitConfiguration'), not a k3s config.yaml"),
            ("node-name: a\n---\nnode-name: b\n", "must be one YAML document"),
            ("tls-san: lab.example\n", "'tls-san' must be a list"),
        ] {
            await expectProvisionerError(.template, containing: [reason, "/tmp/mine.yaml"]) {
                _ = try ControlPlaneRenderer.k3sConfiguration(k3s, template: ControlPlaneTemplate(path: "/tmp/mine.yaml", text: text))
            }
        }
        await expectProvisionerError(.template, containing: ["control-plane template 'nope' not found", "kubernetes/nope.yaml"]) {
            _ = try ControlPlaneTemplate.find("nope", searchPath: [Self.templates])
        }
    }

    @Test(arguments: [
        ("192.168.150", "node IP '192.168.150' is not an IPv4 address"),
        ("192.168.150.010", "is not an IPv4 address"),
        ("fd00::10", "is not an IPv4 address"),
    ])
    func aNodeIPThatIsNotIPv4IsRefused(ip: String, reason: String) async throws {
        var spec = try Self.k3sSpec()
        spec.nodeIP = ip
        await expectProvisionerError(.invalidArgument, containing: [reason]) {
            _ = try ControlPlaneRenderer.k3sConfiguration(spec, template: ControlPlaneTemplate(path: "/t.yaml", text: "{}"))
        }
        var network = try Self.kubeadmSpec()
        network.podCIDR = "10.244.0.0"
        await expectProvisionerError(.invalidArgument, containing: ["pod CIDR '10.244.0.0' is not an IPv4 network"]) {
            _ = try ControlPlaneRenderer.kubeadmConfiguration(network, template: ControlPlaneTemplate(path: "/t.yaml", text: "{}"))
        }
    }

    // MARK: admin kubeconfig

    static let k3sKubeconfig = """
        apiVersion: v1
        clusters:
        - cluster:
            certificate-authority-data: Q0EtREFUQQ==
            server: https://127.0.0.1:6443
          name: default
        contexts:
        - context:
            cluster: default
            user: default
          name: default
        current-context: default
        kind: Config
        preferences: {}
        users:
        - name: default
          user:
            client-certificate-data: Q0VSVC1EQVRB
            client-key-data: S0VZLURBVEE=
        """

    @Test func theK3sKubeconfigPointsAtTheNodeAndIsRenamed() throws {
        let text = try ControlPlaneRenderer.adminKubeconfig(Self.k3sKubeconfig, server: "https://192.168.150.10:6443", cluster: "lab")
        let config = try #require(try Yams.load(yaml: text) as? [String: Any])
        #expect(config["current-context"] as? String == "kinvm-lab")
        #expect(config["apiVersion"] as? String == "v1")
        #expect(config["kind"] as? String == "Config")
        #expect((config["preferences"] as? [String: Any])?.isEmpty == true)
        let clusters = try #require(config["clusters"] as? [[String: Any]])
        #expect(clusters.count == 1)
        #expect(clusters[0]["name"] as? String == "kinvm-lab")
        #expect(
            clusters[0]["cluster"] as? [String: String]
                == ["certificate-authority-data": "Q0EtREFUQQ==", "server": "https://192.168.150.10:6443"])
        let contexts = try #require(config["contexts"] as? [[String: Any]])
        #expect(contexts.count == 1)
        #expect(contexts[0]["name"] as? String == "kinvm-lab")
        #expect(contexts[0]["context"] as? [String: String] == ["cluster": "kinvm-lab", "user": "kinvm-lab"])
        let users = try #require(config["users"] as? [[String: Any]])
        #expect(users.count == 1)
        #expect(users[0]["name"] as? String == "kinvm-lab")
        #expect(users[0]["user"] as? [String: String] == ["client-certificate-data": "Q0VSVC1EQVRB", "client-key-data": "S0VZLURBVEE="])
        // Rewriting again changes nothing.
        #expect(try ControlPlaneRenderer.adminKubeconfig(text, server: "https://192.168.150.10:6443", cluster: "lab") == text)
    }

    @Test func theKubeadmAdminConfKeepsOtherEntriesAndFields() throws {
        let admin = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: kubernetes
              cluster: {server: "https://192.168.150.10:6443", certificate-authority-data: Q0E=, tls-server-name: kubernetes}
            - name: other
              cluster: {server: "https://10.0.0.1:6443", insecure-skip-tls-verify: true}
            users:
            - name: kubernetes-admin
              user: {client-certificate-data: Q0VSVA==, client-key-data: S0VZ}
            - name: viewer
              user: {token: abc}
            contexts:
            - name: kubernetes-admin@kubernetes
              context: {cluster: kubernetes, user: kubernetes-admin, namespace: kube-system}
            - name: viewer@kubernetes
              context: {cluster: kubernetes, user: viewer}
            current-context: kubernetes-admin@kubernetes
            """
        let text = try ControlPlaneRenderer.adminKubeconfig(admin, server: "https://127.0.0.1:16443", cluster: "lab")
        let config = try #require(try Yams.load(yaml: text) as? [String: Any])
        #expect(config["current-context"] as? String == "kinvm-lab")
        let clusters = try #require(config["clusters"] as? [[String: Any]])
        #expect(clusters.map { $0["name"] as? String } == ["kinvm-lab", "other"])
        let main = try #require(clusters[0]["cluster"] as? [String: String])
        #expect(main == ["server": "https://127.0.0.1:16443", "certificate-authority-data": "Q0E=", "tls-server-name": "kubernetes"])
        let other = try #require(clusters[1]["cluster"] as? [String: Any])
        #expect(other["server"] as? String == "https://127.0.0.1:16443")
        #expect(other["insecure-skip-tls-verify"] as? Bool == true)
        let users = try #require(config["users"] as? [[String: Any]])
        #expect(users.map { $0["name"] as? String } == ["kinvm-lab", "viewer"])
        #expect(users[0]["user"] as? [String: String] == ["client-certificate-data": "Q0VSVA==", "client-key-data": "S0VZ"])
        #expect(users[1]["user"] as? [String: String] == ["token": "abc"])
        let contexts = try #require(config["contexts"] as? [[String: Any]])
        #expect(contexts.map { $0["name"] as? String } == ["kinvm-lab", "viewer@kubernetes"])
        #expect(contexts[0]["context"] as? [String: String] == ["cluster": "kinvm-lab", "user": "kinvm-lab", "namespace": "kube-system"])
        #expect(contexts[1]["context"] as? [String: String] == ["cluster": "kinvm-lab", "user": "viewer"])
    }

    @Test func kubeconfigsKinvmCannotRewriteAreRefused() async {
        let server = "https://192.168.150.10:6443"
        // The current-context line follows the contexts: a second context in its place.
        let twoContexts = Self.k3sKubeconfig.replacingOccurrences(
            of: "current-context: default\n", with: "- context: {cluster: default, user: default}\n  name: second\n")
        let taken = Self.k3sKubeconfig.replacingOccurrences(
            of: "  name: default\ncontexts:", with: "  name: default\n- cluster: {server: \"https://x:6443\"}\n  name: kinvm-lab\ncontexts:")
        for (text, reason) in [
            ("kind: [x\n", "is not valid YAML"),
            ("kind: Pod\n", "is not a kubeconfig"),
            ("kind: Config\nclusters: []\n", "has no clusters"),
            (Self.k3sKubeconfig.replacingOccurrences(of: "    user: default\n", with: "    user: nobody\n"), "has no user 'nobody'"),
            (twoContexts, "has 2 contexts and no current-context"),
            (taken, "already has a cluster named 'kinvm-lab'"),
        ] {
            await expectProvisionerError(.kubernetes, containing: ["admin kubeconfig read from the control plane", reason]) {
                _ = try ControlPlaneRenderer.adminKubeconfig(text, server: server, cluster: "lab")
            }
        }
        await expectProvisionerError(.invalidArgument, containing: ["must start with https://"]) {
            _ = try ControlPlaneRenderer.adminKubeconfig(Self.k3sKubeconfig, server: "192.168.150.10:6443", cluster: "lab")
        }
    }

    @Test func anAdminKubeconfigThatDoesNotParseIsNotQuoted() throws {
        // The error is on the key's line; Yams' own message quotes that line.
        let broken = "kind: Config\nusers:\n- name: default\n  user:\n    client-key-data: S0VZLVNFQ1JFVA==: x\n"
        #expect(throws: (any Error).self) { try Yams.compose(yaml: broken) }
        do { _ = try Yams.compose(yaml: broken) } catch { #expect("\(error)".contains("S0VZLVNFQ1JFVA")) }
        do throws(ProvisionerError) {
            _ = try ControlPlaneRenderer.adminKubeconfig(broken, server: "https://192.168.150.10:6443", cluster: "lab")
            Issue.record("parsed")
        } catch {
            #expect(!error.description.contains("S0VZLVNFQ1JFVA"), "\(error)")
            #expect(error.message.contains("is not valid YAML (5:"), "\(error)")
        }
    }

    // MARK: helpers

    /// A user template directory holding `kubernetes/NAME` files.
    static func userTemplates(_ files: [String: String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-cp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("kubernetes"), withIntermediateDirectories: true)
        for (name, text) in files {
            try text.write(to: directory.appendingPathComponent("kubernetes/\(name)"), atomically: true, encoding: .utf8)
        }
        return directory.path
    }

    /// Runs `script` with /bin/sh and returns its standard output.
    static func shell(_ script: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self)
    }
}
