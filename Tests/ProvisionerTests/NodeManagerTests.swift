import DomainTemplates
import Foundation
import KubeClient
import KubeStandIn
import Libvirt
import Testing

@testable import Provisioner

/// The test-driver host and the stand-in API server together: node add/remove without booting.
/// The create environment's wait plays the kubelet: it registers a Ready Node for the guest.
struct NodeLab {
    let host: GuestHost
    let server: StandInAPIServer
    let access: ClusterAccess
    let client: KubeClient

    static func open(configuration: StandInConfiguration = StandInConfiguration()) async throws -> NodeLab {
        let host = try await GuestHost.open()
        let server = try await StandInAPIServer.start(configuration)
        let access = try Kubeconfig.parse(server.adminKubeconfig(), path: "admin.conf").resolve(context: nil)
        return NodeLab(host: host, server: server, access: access, client: try KubeClient(access: access))
    }

    func close() async {
        try? await client.shutdown()
        try? await server.shutdown()
        await host.remove()
    }

    func manager(_ access: ClusterAccess? = nil, client: KubeClient? = nil) -> NodeManager {
        var manager = NodeManager(guests: host.manager, client: client ?? self.client, access: access ?? self.access)
        manager.evictionRetryInterval = .milliseconds(200)
        manager.pollInterval = .milliseconds(100)
        return manager
    }

    /// Registers a Ready node the way a kubelet does (status included; the stand-in keeps it).
    static func register(_ name: String, with client: KubeClient, cpu: String = "1", memoryKi: String = "230000Ki") async throws {
        let now = ISO8601DateFormatter().string(from: Date())
        _ = try await client.request(
            method: "POST", path: "/api/v1/nodes",
            body: .object([
                "apiVersion": "v1", "kind": "Node",
                "metadata": .object(["name": .string(name), "labels": .object(["kubernetes.io/hostname": .string(name)])]),
                "status": .object([
                    "capacity": .object(["cpu": .string(cpu), "memory": .string(memoryKi), "pods": "110"]),
                    "allocatable": .object(["cpu": .string(cpu), "memory": .string(memoryKi), "pods": "110"]),
                    "conditions": .array([
                        .object([
                            "type": "Ready", "status": "True", "reason": "KubeletReady", "lastHeartbeatTime": .string(now),
                            "lastTransitionTime": .string(now),
                        ])
                    ]),
                ]),
            ]))
    }

    /// A create environment whose wait registers the guest's Node unless it is in `never`.
    func environment(never: Set<String> = []) -> GuestManager.CreateEnvironment {
        let client = self.client
        return host.environment(wait: { domain, _ throws(ProvisionerError) in
            guard !never.contains(domain.name) else { return }
            do {
                try await NodeLab.register(domain.name, with: client)
            } catch {
                throw ProvisionerError(.kubernetes, "test kubelet: \(error)")
            }
        })
    }

    func request(_ names: [String], labels: String = "", keepFailed: Bool = false, readyTimeout: Duration = .seconds(20)) throws
        -> NodeAddRequest
    {
        NodeAddRequest(
            guests: names.map { name in
                var request = host.request(name, wait: .running)
                request.metadata = KinvmMetadata(role: "worker", pool: "blue")
                return request
            },
            join: .kubeadm(endpoint: "10.0.2.2:6443", tokenTTL: .seconds(3600)), labels: try NodeLabel.parseList(labels),
            templateSearchPath: ["\(GuestHost.repository)/Templates"], readyTimeout: readyTimeout, keepFailed: keepFailed)
    }

    func pod(_ name: String, node: String, owner: String? = nil, labels: [String: String] = [:], extra: [String: JSONValue] = [:])
        async throws
    {
        var metadata: [String: JSONValue] = ["name": .string(name), "namespace": "default", "labels": .object(labels.mapValues(JSONValue.string))]
        if let owner {
            metadata["ownerReferences"] = .array([
                .object(["apiVersion": "apps/v1", "kind": .string(owner), "name": "owner", "uid": "u-1", "controller": true])
            ])
        }
        for (key, value) in extra { metadata[key] = value }
        _ = try await client.request(
            method: "POST", path: "/api/v1/namespaces/default/pods",
            body: .object([
                "apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata),
                "spec": .object(["nodeName": .string(node), "containers": .array([.object(["name": "c", "image": "busybox"])])]),
            ]))
    }
}

@Suite("NodeManager on the test driver with the stand-in API server")
struct NodeManagerTests {
    @Test("add creates the guests, waits Ready, labels and annotates the Nodes, deletes the bootstrap token")
    func add() async throws {
        let lab = try await NodeLab.open()
        defer { Task { await lab.close() } }
        let result = try await lab.manager().add(
            try lab.request(["w-1", "w-2"], labels: "tier=web,node-role.kubernetes.io/worker="), progress: { _ in },
            using: lab.environment())
        #expect(result.failures.isEmpty, "\(result.failures)")
        #expect(result.nodes.map(\.name) == ["w-1", "w-2"])
        #expect(result.nodes.allSatisfy { $0.nodeStatus == "Ready" })
        #expect(result.nodes.first?.roles == ["worker"])
        let tokenID = try #require(result.bootstrapTokenID)
        #expect(tokenID.count == 6)

        let node = try await lab.client.node("w-1")
        #expect(node.metadata.labels?[NodeManager.poolLabel] == "blue")
        #expect(node.metadata.labels?["node-role.kubernetes.io/worker"] == "")
        let guest = try await lab.host.manager.get("w-1")
        #expect(node.metadata.annotations?[NodeManager.Annotation.domainUUID] == guest.uuid)
        #expect(node.metadata.annotations?[NodeManager.Annotation.domain] == "w-1")
        #expect(node.metadata.annotations?[NodeManager.Annotation.host] == lab.host.connection.uri)
        #expect(guest.join == "kubeadm")
        #expect(guest.apiServer == lab.access.server)
        #expect(guest.role == "worker" && guest.nodePool == "blue")

        // The token was made for the join and is gone again.
        await #expect(throws: KubeError.self) {
            _ = try await lab.client.request(method: "GET", path: "/api/v1/namespaces/kube-system/secrets/bootstrap-token-\(tokenID)")
        }
        // list joins guests and Nodes.
        let listed = try await lab.manager().list()
        #expect(listed.map(\.name) == ["w-1", "w-2"])
        #expect(listed.first?.capacity?.cpu == "1")
        let memory: Int64? = listed.first?.capacity?.memoryBytes
        #expect(memory == Int64(230_000 * 1024))
    }

    @Test("a node that never becomes Ready is reported and deleted; --keep-failed keeps it")
    func notReady() async throws {
        let lab = try await NodeLab.open()
        defer { Task { await lab.close() } }
        let before = try await lab.host.snapshot()
        let result = try await lab.manager().add(
            try lab.request(["ok-1", "stuck-1"], readyTimeout: .seconds(1)), progress: { _ in },
            using: lab.environment(never: ["stuck-1"]))
        #expect(result.nodes.map(\.name) == ["ok-1"])
        let failure = try #require(result.failures.first)
        #expect(failure.name == "stuck-1")
        #expect(failure.message.contains("did not become Ready within"))
        #expect(failure.message.contains("no Node object yet"))
        #expect(failure.message.contains("were deleted"))
        #expect(!failure.kept)
        #expect(try await lab.host.connection.domainIfPresent(named: "stuck-1") == nil)

        let kept = try await lab.manager().add(
            try lab.request(["stuck-2"], keepFailed: true, readyTimeout: .seconds(1)), progress: { _ in },
            using: lab.environment(never: ["stuck-2"]))
        #expect(kept.failures.first?.kept == true)
        #expect(try await lab.host.connection.domainIfPresent(named: "stuck-2") != nil)
        _ = try await lab.manager().remove(["stuck-2", "ok-1"])
        #expect(try await lab.host.snapshot() == before)
    }

    @Test("add checks the API before making anything: unreachable, rejected token, existing node, no CA")
    func preflight() async throws {
        let lab = try await NodeLab.open()
        defer { Task { await lab.close() } }
        let before = try await lab.host.snapshot()
        let request = try lab.request(["w-9"])

        // A token the server rejects.
        var rejected = lab.access
        rejected.credentials = .bearerToken("not-a-token")
        let rejectedClient = try KubeClient(access: rejected)
        await expectProvisionerError(.kubernetes, containing: ["cannot be used", "Unauthorized"]) {
            _ = try await lab.manager(rejected, client: rejectedClient).add(request, progress: { _ in }, using: lab.environment())
        }
        try? await rejectedClient.shutdown()

        // Nothing listens there.
        var unreachable = lab.access
        unreachable.server = "https://127.0.0.1:1"
        let unreachableClient = try KubeClient(access: unreachable)
        await expectProvisionerError(.kubernetes, containing: ["https://127.0.0.1:1"]) {
            _ = try await lab.manager(unreachable, client: unreachableClient).add(request, progress: { _ in }, using: lab.environment())
        }
        try? await unreachableClient.shutdown()

        // A node of that name exists.
        try await NodeLab.register("w-9", with: lab.client)
        await expectProvisionerError(.alreadyExists, containing: ["node w-9 already exists", "nothing was created"]) {
            _ = try await lab.manager().add(request, progress: { _ in }, using: lab.environment())
        }

        // kubeadm needs the CA to pin.
        var noCA = lab.access
        noCA.caCertificatePEM = nil
        await expectProvisionerError(.invalidArgument, containing: ["no certificate-authority", "pin"]) {
            _ = try await lab.manager(noCA).add(try lab.request(["w-10"]), progress: { _ in }, using: lab.environment())
        }
        #expect(try await lab.host.snapshot() == before)
        let secrets = try await lab.client.request(method: "GET", path: "/api/v1/namespaces/kube-system/secrets")
        #expect(secrets["items"]?.arrayValue?.isEmpty ?? true, "\(secrets)")
    }

    @Test("remove cordons, drains (a budget blocks, then allows), deletes the Node and the guest")
    func removeWithBudget() async throws {
        let lab = try await NodeLab.open()
        defer { Task { await lab.close() } }
        let before = try await lab.host.snapshot()
        _ = try await lab.manager().add(try lab.request(["w-1"]), progress: { _ in }, using: lab.environment())
        try await NodeLab.register("elsewhere", with: lab.client)
        try await lab.pod("db-1", node: "w-1", owner: "ReplicaSet", labels: ["app": "db"])
        try await lab.pod("proxy-w-1", node: "w-1", owner: "DaemonSet")
        try await lab.pod(
            "static-w-1", node: "w-1", owner: "Node", extra: ["annotations": .object(["kubernetes.io/config.mirror": "abc"])])
        try await lab.pod("other", node: "elsewhere", owner: "ReplicaSet", labels: ["app": "web"])
        _ = try await lab.client.request(
            method: "POST", path: "/apis/policy/v1/namespaces/default/poddisruptionbudgets",
            body: .object([
                "apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": .object(["name": "db"]),
                "spec": .object(["minAvailable": 1, "selector": .object(["matchLabels": .object(["app": "db"])])]),
            ]))
        let messages = Locked<[String]>([])
        let manager = lab.manager()
        let removal = Task {
            try await manager.remove(["w-1"], drainTimeout: .seconds(30)) { message in messages.withLock { $0.append(message) } }
        }
        // The budget blocks until a replacement is healthy elsewhere.
        try await Task.sleep(for: .milliseconds(1500))
        #expect(try await lab.client.node("w-1").isUnschedulable)
        #expect(try await lab.client.pod(namespace: "default", name: "db-1").name == "db-1")
        try await lab.pod("db-2", node: "elsewhere", owner: "ReplicaSet", labels: ["app": "db"])
        let removed = try await removal.value
        let drain = try #require(removed.first?.drain)
        #expect(drain.evicted == ["default/db-1"])
        #expect(drain.retries >= 2)
        #expect(drain.notes.contains { $0.contains("DaemonSet") && $0.contains("proxy-w-1") })
        #expect(drain.notes.contains { $0.contains("mirror") && $0.contains("static-w-1") })
        #expect(messages.withLock { $0 }.contains { $0.contains("disruption budget") })
        #expect(removed.first?.nodeDeleted == true)
        await #expect(throws: KubeError.self) { _ = try await lab.client.node("w-1") }
        #expect(try await lab.client.pod(namespace: "default", name: "other").name == "other")
        #expect(try await lab.host.snapshot() == before)
    }

    @Test("remove refuses names that are not kinvm nodes, touching nothing; a drain blocker leaves the node cordoned")
    func removeRefusals() async throws {
        let lab = try await NodeLab.open()
        defer { Task { await lab.close() } }
        _ = try await lab.host.create(lab.host.request("plain-vm"))
        _ = try await lab.manager().add(try lab.request(["w-1"]), progress: { _ in }, using: lab.environment())
        await expectProvisionerError(.notFound, containing: ["'nope' is not a kinvm guest", "nothing was changed"]) {
            _ = try await lab.manager().remove(["w-1", "nope"])
        }
        await expectProvisionerError(.notOwned, containing: ["not as a Kubernetes node", "nothing was changed"]) {
            _ = try await lab.manager().remove(["w-1", "plain-vm"])
        }
        #expect(try await lab.client.node("w-1").isUnschedulable == false)

        try await lab.pod("bare", node: "w-1")
        await expectProvisionerError(.drainBlocked, containing: ["declare no controller (use --force to override): default/bare"]) {
            _ = try await lab.manager().remove(["w-1"])
        }
        #expect(try await lab.client.node("w-1").isUnschedulable)
        #expect(try await lab.host.connection.domainIfPresent(named: "w-1") != nil)
        let forced = try await lab.manager().remove(["w-1"], drain: .init(force: true))
        #expect(forced.first?.drain?.evicted == ["default/bare"])
        #expect(try await lab.host.connection.domainIfPresent(named: "w-1") == nil)
    }

    @Test("resize beyond the ceiling: cordon, drain, restart, Ready again with a fresh heartbeat, uncordon; --no-restart refuses")
    func resizeByRestart() async throws {
        let lab = try await NodeLab.open()
        defer { Task { await lab.close() } }
        _ = try await lab.manager().add(try lab.request(["w-1"]), progress: { _ in }, using: lab.environment())
        try await lab.pod("web-1", node: "w-1", owner: "ReplicaSet")
        let request = ResizeRequest(memory: .gibibytes(1), timeout: .seconds(10))

        await expectProvisionerError(.unsupported, containing: ["memory ceiling is 512MiB", "--no-restart"]) {
            _ = try await lab.manager().resize("w-1", request, allowRestart: false)
        }
        #expect(try await lab.client.node("w-1").isUnschedulable == false)

        // The test's kubelet: a heartbeat every 100 ms, as the real one posts after its restart.
        let client = lab.client
        let kubelet = Task {
            while !Task.isCancelled {
                let now = ISO8601DateFormatter().string(from: Date())
                _ = try? await client.patchNode(
                    "w-1",
                    mergePatch: [
                        "status": [
                            "conditions": [["type": "Ready", "status": "True", "reason": "KubeletReady", "lastHeartbeatTime": .string(now)]]
                        ]
                    ], subresource: "status")
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        defer { kubelet.cancel() }
        let steps = Locked<[String]>([])
        let result = try await lab.manager().resize("w-1", request, readyTimeout: .seconds(20)) { step in
            steps.withLock { $0.append(step) }
        }
        #expect(result.method == "restart")
        #expect(result.resize.restarted)
        #expect(result.resize.after.memoryBytes == 1 << 30)
        #expect(result.drain?.evicted == ["default/web-1"])
        #expect(try await lab.client.node("w-1").isUnschedulable == false)
        #expect(try await lab.host.manager.get("w-1").state == "running")
        let log = steps.withLock { $0 }
        #expect(log.first?.contains("cordoning, draining and restarting w-1") == true, "\(log)")
        #expect(log.last == "uncordoned w-1", "\(log)")
    }
}
