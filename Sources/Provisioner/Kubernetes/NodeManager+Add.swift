import CloudInit
import DomainTemplates
import Foundation
import KubeClient
import Synchronization

extension NodeManager {
    /// Creates the guests, joins them, waits until each Node is Ready, labels and annotates it.
    ///
    /// Everything that can be checked is checked before anything is made: node names, the API
    /// (reachable, trusted, credentials accepted), that no Node of those names exists, the join
    /// template, and every guest's join configuration. Then kinvm makes a bootstrap token (kubeadm;
    /// deleted again at the end), creates the guests (rolling back each one that fails), and waits.
    /// A node that does not become Ready is deleted (guest and Node object) unless `keepFailed`;
    /// its failure, with the guest's logs, is in the result.
    public func add(
        _ request: NodeAddRequest, progress: @escaping @Sendable (GuestProgress) -> Void = { _ in }
    ) async throws(ProvisionerError) -> NodeAddResult {
        try await add(request, progress: progress, using: nil)
    }

    /// ``add(_:progress:)`` with the guests' create environment replaced (tests on the test driver).
    func add(
        _ request: NodeAddRequest, progress: @escaping @Sendable (GuestProgress) -> Void,
        using environment: GuestManager.CreateEnvironment?
    ) async throws(ProvisionerError) -> NodeAddResult {
        let clock = ContinuousClock()
        let start = clock.now
        let names = request.guests.map(\.name)
        try await preflight(names)
        let prepared = try await prepareJoin(request)
        defer { if let bundle = prepared.bundleDirectory { try? FileManager.default.removeItem(atPath: bundle) } }

        var token: BootstrapToken?
        if case .kubeadm(let join) = prepared.spec.method {
            token = join.token
            try await createTokenSecret(join.token, names: names)
        }
        // When each guest was started: a node's time to Ready counts from there (its boot included).
        let startedAt = StartTimes()
        let recording: @Sendable (GuestProgress) -> Void = { step in
            if step.step == "starting" { startedAt.mark(step.guest) }
            progress(step)
        }
        let created =
            if let environment {
                await guests.createMany(prepared.requests, parallelism: request.parallelism, progress: recording, using: environment)
            } else {
                await guests.createMany(prepared.requests, parallelism: request.parallelism, progress: recording)
            }
        let createdAt = clock.now

        let waiting = created.indices.filter { if case .success = created[$0] { true } else { false } }
        let outcomes = await FanOut.map(waiting) { (index) async throws(ProvisionerError) -> ReadyNode in
            let name = names[index]
            let begin = startedAt[name] ?? ContinuousClock.now
            let node = try await waitUntilReady(
                name, timeout: request.readyTimeout,
                progress: { message in
                    progress(GuestProgress(guest: name, step: message, elapsedSeconds: Self.seconds(start.duration(to: .now))))
                })
            return ReadyNode(node: node, seconds: Self.seconds(begin.duration(to: .now)))
        }
        let waits = Dictionary(uniqueKeysWithValues: zip(waiting, outcomes))
        let readyAt = clock.now

        var nodes: [NodeSummary] = []
        var failures: [NodeAddResult.Failure] = []
        var readySeconds: [String: Double] = [:]
        for (index, name) in names.enumerated() {
            switch created[index] {
            case .failure(let error):
                failures.append(.init(name: name, message: error.description, kept: false))
            case .success(let guest):
                switch waits[index] {
                case .success(let ready)?:
                    readySeconds[name] = ready.seconds
                    do throws(ProvisionerError) {
                        let node = try await labelAndAnnotate(name, guest: guest, request: request, node: ready.node)
                        nodes.append(nodeInfo(guest: try await guests.get(name), node: node))
                    } catch {
                        failures.append(await cleanUpFailed(name, error: error, keep: request.keepFailed))
                    }
                case .failure(let error)?:
                    failures.append(await cleanUpFailed(name, error: error, keep: request.keepFailed))
                case nil:
                    failures.append(.init(name: name, message: "not waited for", kept: true))
                }
            }
        }
        if let token { await deleteTokenSecret(token) }
        let end = clock.now
        let total = Self.seconds(start.duration(to: end))
        let wait = Self.seconds(createdAt.duration(to: readyAt))
        return NodeAddResult(
            nodes: nodes, failures: failures,
            timings: .init(totalSeconds: total, kinvmSeconds: total - wait, waitSeconds: wait, readySeconds: readySeconds),
            bootstrapTokenID: token?.id)
    }

    /// Names are valid node names, the API answers with these credentials, and no Node has them.
    func preflight(_ names: [String]) async throws(ProvisionerError) {
        guard !names.isEmpty else { throw ProvisionerError(.invalidArgument, "no nodes to add") }
        for name in names {
            if let problem = KubernetesNames.dnsSubdomainProblem(name) {
                throw ProvisionerError(.invalidArgument, "'\(name)' cannot be a node name: it \(problem)")
            }
        }
        if let duplicate = Dictionary(grouping: names, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw ProvisionerError(.invalidArgument, "node name '\(duplicate)' is given twice")
        }
        do {
            _ = try await client.version()
        } catch {
            throw .kube("the Kubernetes API server \(access.server) (context \(access.contextName)) cannot be used; nothing was created", error)
        }
        for name in names {
            if try await nodeIfPresent(name) != nil {
                throw ProvisionerError(
                    .alreadyExists, "node \(name) already exists in the cluster at \(access.server); nothing was created")
            }
        }
    }

    struct PreparedJoin {
        var spec: NodeJoinSpec
        var requests: [GuestCreateRequest]
        var bundleDirectory: String?
    }

    /// The join material and each guest's create request with its cloud-config; nothing is made
    /// on the cluster or the host yet (an air-gap bundle is written to a private temp directory).
    func prepareJoin(_ request: NodeAddRequest) async throws(ProvisionerError) -> PreparedJoin {
        let method: NodeJoinSpec.Method
        var bundleDirectory: String?
        var dataDisks: [DataDisk] = []
        switch request.join {
        case .kubeadm(let endpoint, let ttl):
            guard let ca = access.caCertificatePEM else {
                throw ProvisionerError(
                    .invalidArgument,
                    "the kubeconfig (\(access.source)) gives no certificate-authority for cluster \(access.clusterName), so "
                        + "kinvm cannot pin the CA for kubeadm discovery (--discovery-token-ca-cert-hash); add it to the kubeconfig")
            }
            let hash: String
            do {
                hash = try CACertificateHash.sha256(pem: ca)
            } catch {
                throw .kube("cannot compute the CA pin from the kubeconfig's certificate-authority", error)
            }
            let target: String
            if let endpoint { target = endpoint } else { target = try Self.hostPort(of: access.server) }
            method = .kubeadm(KubeadmJoin(endpoint: target, token: try BootstrapToken.generate(ttl: ttl), caCertHashes: [hash]))
        case .k3s(let server, let token, let airgap):
            if let airgap {
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-airgap-\(UUID().uuidString)").path
                do {
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
                } catch {
                    throw ProvisionerError(.fileUnreadable, "cannot make a temporary directory for the air-gap bundle: \(error)")
                }
                bundleDirectory = directory
                let bundle = (directory as NSString).appendingPathComponent("airgap.tar")
                do {
                    try AirgapBundle.write(airgap, to: bundle)
                } catch {
                    try? FileManager.default.removeItem(atPath: directory)
                    throw error
                }
                dataDisks = [DataDisk(suffix: "airgap.tar", file: bundle, serial: JoinRenderer.airgapDiskSerial, readOnly: true)]
            }
            method = .k3s(K3sJoin(server: server ?? access.server, token: token, airgap: airgap))
        }
        let spec = NodeJoinSpec(method: method, labels: request.labels, taints: request.taints, template: request.joinTemplate)
        do {
            let template = try JoinTemplate.find(spec.templateName, searchPath: request.templateSearchPath)
            var requests: [GuestCreateRequest] = []
            for var guest in request.guests {
                let configuration: String
                switch method {
                case .kubeadm(let join):
                    configuration = try JoinRenderer.kubeadmConfiguration(join, node: guest.name, spec: spec, template: template)
                case .k3s(let join):
                    configuration = try JoinRenderer.k3sConfiguration(join, node: guest.name, spec: spec, template: template)
                }
                guest.userData = .cloudConfig(
                    JoinRenderer.cloudConfig(
                        node: guest.name, method: method, configuration: configuration, sshAuthorizedKeys: guest.sshAuthorizedKeys))
                guest.sshAuthorizedKeys = []
                guest.metadata.join = method.name
                guest.metadata.apiServer = access.server
                if guest.metadata.role == nil { guest.metadata.role = "worker" }
                guest.dataDisks += dataDisks
                requests.append(guest)
            }
            return PreparedJoin(spec: spec, requests: requests, bundleDirectory: bundleDirectory)
        } catch {
            if let bundleDirectory { try? FileManager.default.removeItem(atPath: bundleDirectory) }
            throw error
        }
    }

    /// `host:port` of an https URL (port 443 when the URL has none).
    static func hostPort(of server: String) throws(ProvisionerError) -> String {
        guard let url = URLComponents(string: server), let host = url.host, !host.isEmpty else {
            throw ProvisionerError(.invalidArgument, "the API server URL '\(server)' has no host; give --join-endpoint HOST:PORT")
        }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(shownHost):\(url.port ?? 443)"
    }

    func createTokenSecret(_ token: BootstrapToken, names: [String]) async throws(ProvisionerError) {
        let shown = names.count > 3 ? names.prefix(3).joined(separator: ", ") + ", …" : names.joined(separator: ", ")
        let secret = Secret(
            metadata: ObjectMeta(
                name: token.secretName, namespace: BootstrapToken.namespace, labels: ["app.kubernetes.io/managed-by": "kinvm"]),
            type: BootstrapToken.secretType,
            strings: token.secretData(description: "kinvm node add (\(shown))"))
        do {
            _ = try await client.createSecret(secret)
        } catch {
            throw .kube("cannot create the bootstrap token for the new nodes (Secret kube-system/\(token.secretName))", error)
        }
        logger.info("created bootstrap token", metadata: ["id": "\(token.id)", "expires": "\(BootstrapToken.rfc3339(token.expiration))"])
    }

    /// Deletes the token once the nodes have their own credentials (it would expire anyway).
    func deleteTokenSecret(_ token: BootstrapToken) async {
        do {
            try await client.deleteSecret(namespace: BootstrapToken.namespace, name: token.secretName)
        } catch {
            logger.info("could not delete the bootstrap token; it expires by itself", metadata: ["id": "\(token.id)", "error": "\(error)"])
        }
    }

    /// Sets every requested label (those the kubelet may not set itself only this way), the pool
    /// label and the domain annotations, and adds any requested taint the Node registered without.
    func labelAndAnnotate(_ name: String, guest: GuestInfo, request: NodeAddRequest, node: Node) async throws(ProvisionerError)
        -> Node
    {
        var labels: [String: JSONValue] = [:]
        for label in request.labels { labels[label.key] = .string(label.value) }
        if let pool = guest.nodePool { labels[Self.poolLabel] = .string(pool) }
        let annotations: [String: JSONValue] = [
            Annotation.domain: .string(guest.name), Annotation.domainUUID: .string(guest.uuid),
            Annotation.host: .string(guests.connection.uri),
        ]
        var patch: [String: JSONValue] = ["metadata": .object(["labels": .object(labels), "annotations": .object(annotations)])]
        let present = node.spec?.taints ?? []
        let missing = request.taints.filter { wanted in
            !present.contains { $0.key == wanted.key && $0.effect == wanted.effect.rawValue && ($0.value ?? "") == wanted.value }
        }
        if !missing.isEmpty {
            // A merge patch replaces the list: send what the Node has plus what is missing.
            let all = present.map { taint -> JSONValue in
                var entry: [String: JSONValue] = ["key": .string(taint.key), "effect": .string(taint.effect)]
                if let value = taint.value { entry["value"] = .string(value) }
                if let added = taint.timeAdded { entry["timeAdded"] = .string(added) }
                return .object(entry)
            } + missing.map { taint -> JSONValue in
                .object(["key": .string(taint.key), "value": .string(taint.value), "effect": .string(taint.effect.rawValue)])
            }
            patch["spec"] = .object(["taints": .array(all)])
        }
        do {
            return try await client.patchNode(name, mergePatch: .object(patch))
        } catch {
            throw .kube("cannot label node \(name)", error)
        }
    }

    /// Deletes a node that failed (its Node object too, if it registered), unless `keep`.
    func cleanUpFailed(_ name: String, error: ProvisionerError, keep: Bool) async -> NodeAddResult.Failure {
        guard !keep else {
            return .init(name: name, message: error.description + "\n(guest \(name) kept for inspection: --keep-failed)", kept: true)
        }
        var message = error.description
        do {
            try await client.deleteNode(name)
        } catch where error.code == .notFound {
        } catch {
            message += "\n(could not delete its Node object: \(error))"
        }
        do {
            _ = try await guests.delete(name)
            message += "\n(guest \(name) and its volumes were deleted; --keep-failed keeps them for inspection)"
        } catch {
            message += "\n(could not delete guest \(name): \(error))"
        }
        return .init(name: name, message: message, kept: false)
    }

    /// The guest and its Node side by side.
    func nodeInfo(guest: GuestInfo, node: Node?) -> NodeSummary {
        let status: String
        if let node {
            status = node.condition("Ready").map { $0.status == "True" ? "Ready" : $0.status == "False" ? "NotReady" : "Unknown" } ?? "Unknown"
        } else {
            status = "Missing"
        }
        let roles = (node?.metadata.labels ?? [:]).keys.compactMap { key -> String? in
            key.hasPrefix("node-role.kubernetes.io/") ? String(key.dropFirst("node-role.kubernetes.io/".count)) : nil
        }.sorted()
        return NodeSummary(
            name: guest.name, guest: guest, nodeStatus: status, cordoned: node?.isUnschedulable ?? false,
            capacity: node.map(Self.capacity(of:)),
            kubeletVersion: node?.status?.nodeInfo?.kubeletVersion, internalIP: node?.address("InternalIP"), roles: roles)
    }

    /// What the kubelet reports.
    static func capacity(of node: Node) -> NodeSummary.Capacity {
        NodeSummary.Capacity(
            cpu: node.status?.capacity?["cpu"].map { "\($0)" }, memoryBytes: node.memoryCapacityBytes,
            pods: node.status?.capacity?["pods"].map { "\($0)" })
    }
}

/// When each guest was started (the first time it was seen "starting").
private final class StartTimes: Sendable {
    private let times = Mutex<[String: ContinuousClock.Instant]>([:])

    func mark(_ guest: String) {
        times.withLock { if $0[guest] == nil { $0[guest] = ContinuousClock.now } }
    }

    subscript(guest: String) -> ContinuousClock.Instant? { times.withLock { $0[guest] } }
}

/// A node that became Ready, and its time to Ready from its guest's start.
struct ReadyNode: Sendable {
    var node: Node
    var seconds: Double
}
