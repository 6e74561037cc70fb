import Foundation
import KubeStandIn
import Testing

/// The stand-in `kubeadm join` and the kubelet it starts, against the stand-in API server, as
/// kinvm's cloud-init drives them in a guest (KINVM_STANDIN_NO_SYSTEMD instead of systemd).
@Suite struct KubeadmJoinTests {
    static let tokenID = "abcdef"
    static let tokenSecret = "0123456789abcdef"
    static var token: String { "\(tokenID).\(tokenSecret)" }

    /// A JoinConfiguration like kinvm's template renders (YAML flow style, values quoted).
    static func joinConfiguration(
        endpoint: String, token: String = token, pins: [String], name: String = "w1",
        taints: String = "[]", labels: String = "", discoveryTimeout: String = "5m0s"
    ) -> String {
        """
        apiVersion: kubeadm.k8s.io/v1beta4
        kind: JoinConfiguration
        discovery:
          bootstrapToken:
            apiServerEndpoint: "\(endpoint)"
            token: "\(token)"
            caCertHashes: [\(pins.map { "\"\($0)\"" }.joined(separator: ", "))]
        nodeRegistration:
          name: "\(name)"
          taints: \(taints)
          kubeletExtraArgs: [{name: node-labels, value: "\(labels)"}]
        timeouts: {discovery: \(discoveryTimeout)}

        """
    }

    /// Writes the configuration where kinvm puts it and runs `kubeadm join --config` on it.
    static func join(_ harness: NodeHarness, _ configuration: String, environment: [String: String] = [:])
        async throws -> CommandResult
    {
        let file = "\(harness.root)/etc/kubernetes/kinvm/join.yaml"
        try write(configuration, to: file, mode: 0o600)
        return try await harness.run(["kubeadm", "join", "--config", file], environment: environment, timeout: .seconds(120))
    }

    static func waitReady(_ harness: NodeHarness, _ name: String = "w1") async throws -> [String: Any] {
        try await eventually("node \(name) Ready", seen: { harness.log() }) {
            guard let node = try harness.node(name), node.condition("Ready")?["status"] as? String == "True" else { return nil }
            return node
        }
    }

    @Test func joinWithTheRightPinRegistersAReadyNodeWithThisHostsCapacity() async throws {
        try await withNodeHarness { harness in
            try await harness.createBootstrapToken(id: Self.tokenID, secret: Self.tokenSecret, expiration: Date() + 3600)
            let pin = try await harness.caPin()
            let result = try await Self.join(harness, Self.joinConfiguration(endpoint: harness.endpoint, pins: [pin]))
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)\n\(harness.log())")
            #expect(result.stdout.contains("This node has joined the cluster:"))

            let node = try await Self.waitReady(harness)
            let memory = try #require(HostCapacity.memory)
            for field in ["capacity", "allocatable"] {
                #expect(node[json: "status", field, "cpu"] as? String == HostCapacity.cpus)
                #expect(node[json: "status", field, "memory"] as? String == memory)
                #expect(node[json: "status", field, "pods"] as? String == "110")
            }
            let ready = try #require(node.condition("Ready"))
            #expect(ready["reason"] as? String == "KubeletReady")
            #expect(ready["message"] as? String == "kubelet is posting ready status")
            for type in ["MemoryPressure", "DiskPressure", "PIDPressure"] {
                #expect(node.condition(type)?["status"] as? String == "False", "\(type)")
            }
            #expect(node[json: "status", "nodeInfo", "kubeletVersion"] as? String == "v1.32.0-standin")
            let addresses = node[json: "status", "addresses"] as? [[String: Any]] ?? []
            #expect(addresses.contains { $0["type"] as? String == "Hostname" && $0["address"] as? String == "w1" })
            #expect(addresses.contains { $0["type"] as? String == "InternalIP" })

            // Heartbeats go on (period 1 s here, 10 s by default).
            let first = try #require(ready["lastHeartbeatTime"] as? String)
            let later = try await eventually("a newer heartbeat than \(first)", timeout: .seconds(15)) {
                (try harness.node("w1")?.condition("Ready")?["lastHeartbeatTime"] as? String).flatMap { $0 > first ? $0 : nil }
            }
            #expect(later > first)
            #expect(try harness.node("w1")?.condition("Ready")?["lastTransitionTime"] as? String == ready["lastTransitionTime"] as? String)

            // The kubelet authenticates with a certificate from a CSR signed through the API.
            let csrs = try await harness.adminRequest("GET", "/apis/certificates.k8s.io/v1/certificatesigningrequests")
            let items = csrs["items"] as? [[String: Any]] ?? []
            #expect(items.count == 1)
            #expect(items.first?[json: "spec", "signerName"] as? String == "kubernetes.io/kube-apiserver-client-kubelet")
            #expect(items.first?[json: "status", "certificate"] is String)
            let subject = try await runCommand(
                "/usr/bin/openssl", ["x509", "-noout", "-subject", "-in", "\(harness.root)/var/lib/kubelet/pki/kubelet-client-current.pem"],
                environment: nil, in: harness.root)
            #expect(subject.stdout.contains("O = system:nodes, CN = system:node:w1"), "\(subject.stdout)")
            let bootstrap = try FileManager.default.attributesOfItem(atPath: "\(harness.root)/etc/kubernetes/bootstrap-kubelet.conf")
            #expect((bootstrap[.posixPermissions] as? Int) == 0o600)
        }
    }

    @Test func joinWithAWrongPinFailsLikeKubeadmAndRegistersNothing() async throws {
        try await withNodeHarness { harness in
            try await harness.createBootstrapToken(id: Self.tokenID, secret: Self.tokenSecret, expiration: Date() + 3600)
            let pin = try await harness.caPin()
            let wrong = "sha256:" + String(repeating: "0", count: 64)
            let result = try await Self.join(harness, Self.joinConfiguration(endpoint: harness.endpoint, pins: [wrong]))
            #expect(result.status == 1)
            #expect(
                result.stderr.contains(
                    "error execution phase preflight: couldn't validate the identity of the API Server: "
                        + "cluster CA found in cluster-info ConfigMap is invalid: none of the public keys \"\(pin)\" are pinned"),
                "\(result.stderr)")
            #expect(try harness.node("w1") == nil)
            #expect(!FileManager.default.fileExists(atPath: "\(harness.root)/etc/kubernetes/bootstrap-kubelet.conf"))
            #expect(!FileManager.default.fileExists(atPath: "\(harness.root)/run/kubelet.pid"))
        }
    }

    enum TokenCase: String, CaseIterable, Sendable { case unknown, expired }

    @Test(arguments: TokenCase.allCases)
    func joinWithATokenWithoutSignatureFailsLikeKubeadm(_ tokenCase: TokenCase) async throws {
        try await withNodeHarness { harness in
            switch tokenCase {
            case .unknown:  // another token exists; ours does not
                try await harness.createBootstrapToken(id: "zzzzzz", secret: Self.tokenSecret, expiration: Date() + 3600)
            case .expired:
                try await harness.createBootstrapToken(id: Self.tokenID, secret: Self.tokenSecret, expiration: Date() - 60)
            }
            let pin = try await harness.caPin()
            let result = try await Self.join(
                harness, Self.joinConfiguration(endpoint: harness.endpoint, pins: [pin], discoveryTimeout: "2s"))
            #expect(result.status == 1)
            #expect(
                result.stderr.contains(
                    "couldn't validate the identity of the API Server: "
                        + "could not find a JWS signature in the cluster-info ConfigMap for token ID \"\(Self.tokenID)\""),
                "\(result.stderr)")
            #expect(try harness.node("w1") == nil)
        }
    }

    @Test func labelsAndTaintsOfTheJoinConfigurationAreOnTheNode() async throws {
        try await withNodeHarness { harness in
            try await harness.createBootstrapToken(id: Self.tokenID, secret: Self.tokenSecret, expiration: Date() + 3600)
            let configuration = Self.joinConfiguration(
                endpoint: harness.endpoint, pins: [try await harness.caPin()],
                taints: "[{key: dedicated, value: batch, effect: NoSchedule}, {key: gpu, effect: NoExecute}]",
                labels: "tier=batch,kinvm.io/pool=p1")
            let result = try await Self.join(harness, configuration)
            #expect(result.status == 0, "\(result.stderr)\n\(harness.log())")
            let node = try await Self.waitReady(harness)
            let labels = node[json: "metadata", "labels"] as? [String: String] ?? [:]
            #expect(labels["tier"] == "batch")
            #expect(labels["kinvm.io/pool"] == "p1")
            #expect(labels["kubernetes.io/hostname"] == "w1")
            #expect(labels["kubernetes.io/os"] == "linux")
            let taints = (node[json: "spec", "taints"] as? [[String: String]]) ?? []
            #expect(taints == [["key": "dedicated", "value": "batch", "effect": "NoSchedule"], ["key": "gpu", "effect": "NoExecute"]])
            let flags = try String(contentsOfFile: "\(harness.root)/var/lib/kubelet/kubeadm-flags.env", encoding: .utf8)
            #expect(
                flags == "KUBELET_KUBEADM_ARGS=\"--hostname-override=w1 --node-labels=tier=batch,kinvm.io/pool=p1 "
                    + "--register-with-taints=dedicated=batch:NoSchedule,gpu:NoExecute\"\n")
        }
    }

    @Test func aRestartedKubeletReportsTheCapacityItReadsAtItsStart() async throws {
        try await withNodeHarness { harness in
            try await harness.createBootstrapToken(id: Self.tokenID, secret: Self.tokenSecret, expiration: Date() + 3600)
            let configuration = Self.joinConfiguration(endpoint: harness.endpoint, pins: [try await harness.caPin()])
            let before = ["KINVM_STANDIN_CPUS": "3", "KINVM_STANDIN_MEMORY_KIB": "2097152"]
            let result = try await Self.join(harness, configuration, environment: before)
            #expect(result.status == 0, "\(result.stderr)\n\(harness.log())")
            let node = try await Self.waitReady(harness)
            #expect(node[json: "status", "capacity", "cpu"] as? String == "3")
            #expect(node[json: "status", "capacity", "memory"] as? String == "2097152Ki")

            // As `systemctl restart kubelet` after a resize: same flags, new machine.
            try await harness.stop("kubelet")
            let flags = try String(contentsOfFile: "\(harness.root)/var/lib/kubelet/kubeadm-flags.env", encoding: .utf8)
            let arguments = flags.trimmed.dropFirst("KUBELET_KUBEADM_ARGS=\"".count).dropLast().split(separator: " ").map(String.init)
            try harness.startBackground(
                "kubelet", python, [standInNode, "kubelet"] + arguments,
                environment: ["KINVM_STANDIN_CPUS": "5", "KINVM_STANDIN_MEMORY_KIB": "4194304"])
            let resized = try await eventually("node w1 with 5 CPUs", seen: { harness.log() }) {
                try harness.node("w1").flatMap { $0[json: "status", "capacity", "cpu"] as? String == "5" ? $0 : nil }
            }
            #expect(resized[json: "status", "capacity", "memory"] as? String == "4194304Ki")
            #expect(resized[json: "status", "allocatable", "cpu"] as? String == "5")
            // The restarted kubelet reused its certificate: still one CSR.
            let csrs = try await harness.adminRequest("GET", "/apis/certificates.k8s.io/v1/certificatesigningrequests")
            #expect((csrs["items"] as? [Any])?.count == 1)
        }
    }

    @Test func theKubeletExitsWhileNoKubeconfigExists() async throws {
        let root = NSTemporaryDirectory() + "standin-node-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var environment = ProcessInfo.processInfo.environment
        environment["KINVM_STANDIN_ROOT"] = root
        let result = try await runCommand(
            python, [standInNode, "kubelet", "--hostname-override=w1"], environment: environment, in: root, timeout: .seconds(30))
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "failed to run Kubelet: unable to load bootstrap kubeconfig: stat \(root)/etc/kubernetes/bootstrap-kubelet.conf: no such file or directory"),
            "\(result.stderr)")
    }
}
