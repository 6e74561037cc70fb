import CloudInit
import Foundation
import Provisioner
import Testing
import Yams

@Suite("Node join: labels, taints, bootstrap tokens, join configuration")
struct NodeJoinTests {
    static let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Templates").path

    @Test func labelsAndTaintsParseAndValidate() throws {
        let labels = try NodeLabel.parseList("a=b, node-role.kubernetes.io/worker=,team.example.com/x=y,a=c")
        #expect(labels.map(\.description) == ["node-role.kubernetes.io/worker=", "team.example.com/x=y", "a=c"])
        #expect(labels.map(\.kubeletMaySet) == [false, true, true])
        let taints = try NodeTaint.parseList("dedicated=gpu:NoSchedule,spot:PreferNoSchedule")
        #expect(taints.map(\.description) == ["dedicated=gpu:NoSchedule", "spot:PreferNoSchedule"])
    }

    @Test(arguments: [
        ("-bad=x", "must start and end with an alphanumeric character"),
        ("a/b/c=x", "at most one '/'"),
        ("Upper.Case/x=y", "its prefix must consist of lower case"),
        ("k=" + String(repeating: "v", count: 64), "at most 63 characters"),
        ("k=va lue", "must consist of alphanumeric"),
    ])
    func badLabelsAreRefused(text: String, reason: String) async {
        await expectProvisionerError(.invalidArgument, containing: [reason]) { _ = try NodeLabel.parseList(text) }
    }

    @Test func badTaintsAreRefused() async {
        await expectProvisionerError(.invalidArgument, containing: ["has no effect"]) { _ = try NodeTaint(parsing: "k=v") }
        await expectProvisionerError(.invalidArgument, containing: ["effect 'Never'", "NoSchedule, PreferNoSchedule or NoExecute"]) {
            _ = try NodeTaint(parsing: "k=v:Never")
        }
    }

    @Test func bootstrapTokensHaveKubeadmsFormatAndAlwaysExpire() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let token = try BootstrapToken.generate(now: now)
        #expect(token.token.wholeMatch(of: /[a-z0-9]{6}\.[a-z0-9]{16}/) != nil)
        #expect(token.expiration == now.addingTimeInterval(3600))
        #expect(token.secretName == "bootstrap-token-\(token.id)")
        let data = token.secretData(description: "test")
        #expect(data["token-id"] == token.id)
        #expect(data["token-secret"] == token.secret)
        #expect(data["expiration"] == "2027-01-15T09:00:00Z")
        #expect(data["usage-bootstrap-authentication"] == "true")
        #expect(data["usage-bootstrap-signing"] == "true")
        #expect(data["auth-extra-groups"] == "system:bootstrappers:kubeadm:default-node-token")
        #expect(!token.description.contains(token.secret))
        let other = try BootstrapToken.generate(now: now)
        #expect(other.token != token.token)
    }

    @Test func aTokenThatNeverExpiresIsRefused() async {
        await expectProvisionerError(.invalidArgument, containing: ["must expire", "never 0"]) {
            _ = try BootstrapToken.generate(ttl: .zero)
        }
        await expectProvisionerError(.invalidArgument, containing: ["longer than the 24h"]) {
            _ = try BootstrapToken.generate(ttl: .seconds(25 * 3600))
        }
    }

    func kubeadmJoin() throws -> KubeadmJoin {
        var generator = SplitMix(seed: 7)
        let token = try BootstrapToken.generate(now: Date(timeIntervalSince1970: 0), using: &generator)
        return KubeadmJoin(endpoint: "10.0.2.2:6443", token: token, caCertHashes: ["sha256:" + String(repeating: "ab", count: 32)])
    }

    @Test func kubeadmJoinConfigurationFromTheShippedTemplate() throws {
        let join = try kubeadmJoin()
        let spec = NodeJoinSpec(
            method: .kubeadm(join), labels: try NodeLabel.parseList("tier=web,node-role.kubernetes.io/worker=,n=007"),
            taints: try NodeTaint.parseList("dedicated=db:NoSchedule"))
        let template = try JoinTemplate.find(spec.templateName, searchPath: [Self.templates])
        let yaml = try JoinRenderer.kubeadmConfiguration(join, node: "w-1", spec: spec, template: template)
        let parsed = try #require(try Yams.load(yaml: yaml) as? [String: Any])
        #expect(parsed["apiVersion"] as? String == "kubeadm.k8s.io/v1beta4")
        let discovery = try #require((parsed["discovery"] as? [String: Any])?["bootstrapToken"] as? [String: Any])
        #expect(discovery["apiServerEndpoint"] as? String == "10.0.2.2:6443")
        #expect(discovery["token"] as? String == join.token.token)
        #expect(discovery["caCertHashes"] as? [String] == join.caCertHashes)
        let registration = try #require(parsed["nodeRegistration"] as? [String: Any])
        #expect(registration["name"] as? String == "w-1")
        #expect(registration["criSocket"] as? String == "unix:///run/containerd/containerd.sock")
        let taints = try #require(registration["taints"] as? [[String: String]])
        #expect(taints == [["key": "dedicated", "value": "db", "effect": "NoSchedule"]])
        // The kubelet may not set node-role labels (NodeRestriction); "007" stays a string.
        let args = try #require(registration["kubeletExtraArgs"] as? [[String: String]])
        #expect(args == [["name": "node-labels", "value": "tier=web,n=007"]])
        #expect(((parsed["timeouts"] as? [String: Any])?["discovery"] as? String) == "5m0s")
    }

    @Test func aUserTemplateKeepsItsFieldsAndMergesLabels() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-join-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("kubernetes"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
        apiVersion: kubeadm.k8s.io/v1beta3
        kind: JoinConfiguration
        discovery:
          bootstrapToken: {apiServerEndpoint: x:1, token: a.b, unsafeSkipCAVerification: false}
        nodeRegistration:
          criSocket: unix:///run/crio/crio.sock
          kubeletExtraArgs:
            node-labels: "zone=a,tier=old"
            max-pods: "50"
        """.write(to: directory.appendingPathComponent("kubernetes/mine.yaml"), atomically: true, encoding: .utf8)
        let join = try kubeadmJoin()
        let spec = NodeJoinSpec(method: .kubeadm(join), labels: try NodeLabel.parseList("tier=web"), template: "mine")
        let template = try JoinTemplate.find("mine", searchPath: [directory.path, Self.templates])
        let parsed = try #require(try Yams.load(yaml: try JoinRenderer.kubeadmConfiguration(join, node: "w-2", spec: spec, template: template)) as? [String: Any])
        let registration = try #require(parsed["nodeRegistration"] as? [String: Any])
        #expect(registration["criSocket"] as? String == "unix:///run/crio/crio.sock")
        let args = try #require(registration["kubeletExtraArgs"] as? [String: String])
        #expect(args == ["node-labels": "zone=a,tier=web", "max-pods": "50"])
        let discovery = try #require((parsed["discovery"] as? [String: Any])?["bootstrapToken"] as? [String: Any])
        #expect(discovery["unsafeSkipCAVerification"] as? Bool == false)
        #expect(discovery["token"] as? String == join.token.token)
    }

    @Test func templatesThatAreNotJoinConfigurationsAreRefused() async throws {
        let join = try kubeadmJoin()
        let spec = NodeJoinSpec(method: .kubeadm(join))
        for (text, reason) in [
            ("kind: InitConfiguration\napiVersion: kubeadm.k8s.io/v1beta4\n", "must have kind: JoinConfiguration"),
            ("kind: JoinConfiguration\napiVersion: kubeadm.k8s.io/v1beta2\n", "has apiVersion 'kubeadm.k8s.io/v1beta2'"),
            ("- a\n- b\n", "must be a YAML mapping"),
            ("kind: [unclosed\n", "is not valid YAML"),
            ("kind: JoinConfiguration\napiVersion: kubeadm.k8s.io/v1beta4\ndiscovery: 5\n", "'discovery' must be a mapping"),
        ] {
            await expectProvisionerError(.template, containing: [reason, "/t.yaml"]) {
                _ = try JoinRenderer.kubeadmConfiguration(join, node: "w", spec: spec, template: JoinTemplate(path: "/t.yaml", text: text))
            }
        }
        await expectProvisionerError(.template, containing: ["join template 'nope' not found", "kubernetes/nope.yaml"]) {
            _ = try JoinTemplate.find("nope", searchPath: [Self.templates])
        }
    }

    @Test func k3sConfigurationAndCloudConfig() throws {
        let join = K3sJoin(server: "https://10.0.2.2:6443", token: Secret("K10abc::server:s3cret"), airgap: K3sAirgap(binary: "/k3s", images: []))
        let spec = NodeJoinSpec(method: .k3s(join), labels: try NodeLabel.parseList("a=b"), taints: try NodeTaint.parseList("k:NoExecute"))
        let template = try JoinTemplate.find(spec.templateName, searchPath: [Self.templates])
        let yaml = try JoinRenderer.k3sConfiguration(join, node: "w-3", spec: spec, template: template)
        let parsed = try #require(try Yams.load(yaml: yaml) as? [String: Any])
        #expect(parsed["server"] as? String == "https://10.0.2.2:6443")
        #expect(parsed["token"] as? String == "K10abc::server:s3cret")
        #expect(parsed["node-name"] as? String == "w-3")
        #expect(parsed["node-label"] as? [String] == ["a=b"])
        #expect(parsed["node-taint"] as? [String] == ["k:NoExecute"])

        let config = JoinRenderer.cloudConfig(node: "w-3", method: spec.method, configuration: yaml, sshAuthorizedKeys: ["ssh-ed25519 AAAA x"])
        let rendered = try config.yaml()
        let cloud = try #require(try Yams.load(yaml: rendered) as? [String: Any])
        let files = try #require(cloud["write_files"] as? [[String: Any]])
        #expect(files.map { $0["path"] as? String } == ["/etc/rancher/k3s/config.yaml", "/etc/systemd/system/k3s-agent.service"])
        #expect(files.first?["permissions"] as? String == "0600")
        let runcmd = try #require(cloud["runcmd"] as? [[String]])
        #expect(runcmd.first == ["tar", "-x", "-f", "/dev/disk/by-id/virtio-kinvm-airgap", "-C", "/", "--no-same-owner"])
        #expect(runcmd.last == ["systemctl", "enable", "--now", "k3s-agent.service"])
        // The token is a secret: the description of the config never shows it.
        #expect(!"\(config)".contains("s3cret"))
    }

    @Test func kubeadmCloudConfigRunsTheJoin() throws {
        let config = JoinRenderer.cloudConfig(node: "w-1", method: .kubeadm(try kubeadmJoin()), configuration: "kind: JoinConfiguration\n", sshAuthorizedKeys: [])
        let cloud = try #require(try Yams.load(yaml: try config.yaml()) as? [String: Any])
        #expect(cloud["hostname"] as? String == "w-1")
        #expect((cloud["write_files"] as? [[String: Any]])?.first?["path"] as? String == "/etc/kubernetes/kinvm/join.yaml")
        #expect(cloud["runcmd"] as? [[String]] == [["kubeadm", "join", "--config", "/etc/kubernetes/kinvm/join.yaml"]])
    }
}

/// A seeded generator, so a test's tokens are reproducible.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
