import Foundation
import KubeStandIn
import Testing

@testable import KubeClient

/// The client against the stand-in API server: authentication, TLS trust, every error path, typed calls.
@Suite struct AuthenticationAndTLSTests {
    @Test func clientCertificateFromTheAdminKubeconfig() async throws {
        try await withStandIn({ $0.kubernetesVersion = "v1.31.4" }) { server, client in
            #expect(client.access.contextName == "standin")
            let usesCertificate = if case .clientCertificate = client.access.credentials { true } else { false }
            #expect(usesCertificate, "admin kubeconfig gives \(client.access.credentials)")
            let version = try await client.version()
            #expect(version.gitVersion == "v1.31.4")
            #expect(try await client.nodes().items.isEmpty)
        }
    }

    /// The admin kubeconfig written to disk with its CA, certificate and key as files beside it (relative
    /// paths), loaded through KUBECONFIG like kubectl would.
    @Test func kubeconfigFileWithRelativeCredentialFiles() async throws {
        try await withStandIn { server, _ in
            try await withTemporaryDirectory { dir in
                let pair = try server.issueClientCertificate(user: "file-user", groups: ["system:masters"])
                try write(server.caCertificatePEM, to: "\(dir)/kube/pki/ca.crt")
                try write(pair.certificatePEM, to: "\(dir)/kube/pki/user.crt")
                try write(pair.keyPEM, to: "\(dir)/kube/pki/user.key")
                try write(
                    """
                    apiVersion: v1
                    kind: Config
                    current-context: files
                    clusters:
                    - name: standin
                      cluster: {server: "\(server.url)", certificate-authority: pki/ca.crt}
                    users:
                    - name: file-user
                      user: {client-certificate: pki/user.crt, client-key: pki/user.key}
                    contexts:
                    - name: files
                      context: {cluster: standin, user: file-user}
                    """, to: "\(dir)/kube/config")
                let loaded = try Kubeconfig.load(explicitPath: nil, environment: ["KUBECONFIG": "\(dir)/kube/config", "HOME": dir])
                let version = try await KubeClient.withClient(try loaded.resolve(context: nil)) { try await $0.version() }
                #expect(version.gitVersion == "v1.32.0")
            }
        }
    }

    @Test func clientCertificateIssuedByTheClusterCA() async throws {
        try await withStandIn { server, _ in
            let pair = try server.issueClientCertificate(user: "ops", groups: ["system:masters"])
            try await KubeClient.withClient(access(to: server, .clientCertificate(certificatePEM: pair.certificatePEM, keyPEM: Redacted(pair.keyPEM)))) {
                _ = try await $0.nodes()
            }
        }
    }

    @Test func bearerTokenAndRBAC() async throws {
        try await withStandIn({
            $0.bearerTokens = [
                "admin-token": StandInUser(name: "alice", groups: ["system:masters"]),
                "viewer-token": StandInUser(name: "bob", groups: ["viewers"]),
            ]
        }) { server, _ in
            try await KubeClient.withClient(access(to: server, .bearerToken("admin-token"))) { alice in
                _ = try await alice.createNode(makeNode("w1"))
                #expect(try await alice.node("w1").name == "w1")
            }
            try await KubeClient.withClient(access(to: server, .bearerToken("viewer-token"))) { bob in
                let error = await expectKubeError(.forbidden) { _ = try await bob.node("w1") }
                #expect(error?.httpStatus == 403)
                #expect(error?.status?.reason == "Forbidden")
                #expect(error?.message.contains("bob") == true, "\(String(describing: error))")
            }
        }
    }

    @Test func rejectedTokenIsUnauthorizedWithTheStatusMessage() async throws {
        try await withStandIn({ $0.bearerTokens = ["good": StandInUser(name: "alice", groups: ["system:masters"])] }) { server, _ in
            try await KubeClient.withClient(access(to: server, .bearerToken("not-a-token"))) { client in
                let error = await expectKubeError(.unauthorized) { _ = try await client.nodes() }
                #expect(error?.httpStatus == 401)
                #expect(error?.status?.reason == "Unauthorized")
                #expect(error?.message.isEmpty == false)
                #expect(error?.description.hasPrefix("Error from server (Unauthorized): ") == true, "\(String(describing: error))")
                #expect(error?.context == "GET /api/v1/nodes on \(server.url)")
            }
        }
    }

    @Test func serverNotSignedByTheKubeconfigCAIsATLSError() async throws {
        try await withStandIn { server, _ in
            let otherCA = try await withTemporaryDirectory { dir in
                _ = try shell("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout k.pem -out c.pem -days 1 -subj /CN=other-ca 2>/dev/null", in: dir)
                return try String(contentsOfFile: "\(dir)/c.pem", encoding: .utf8)
            }
            let pair = try server.issueClientCertificate(user: "admin", groups: ["system:masters"])
            try await KubeClient.withClient(access(to: server, .clientCertificate(certificatePEM: pair.certificatePEM, keyPEM: Redacted(pair.keyPEM)), caPEM: otherCA)) {
                client in
                let error = await expectKubeError(.tls) { _ = try await client.version() }
                #expect(error?.message.contains("the server's certificate is not trusted by the kubeconfig's CA") == true, "\(String(describing: error))")
                #expect(error?.message.contains("CERTIFICATE_VERIFY_FAILED") == true)
                #expect(error?.message.contains(server.url) == true)
            }
        }
    }

    /// The serving certificate names only "kubernetes.example": connecting to 127.0.0.1 verifies only when
    /// tls-server-name says that name. (NIOSSL also accepts a certificate that holds the connected IP,
    /// whatever the name, so the certificate here has no IP.)
    @Test func tlsServerNameIsTheNameChecked() async throws {
        try await withStandIn({ $0.subjectAlternativeNames = ["kubernetes.example"] }) { server, _ in
            let pair = try server.issueClientCertificate(user: "admin", groups: ["system:masters"])
            let credentials = ClusterAccess.Credentials.clientCertificate(certificatePEM: pair.certificatePEM, keyPEM: Redacted(pair.keyPEM))
            let nodes = try await KubeClient.withClient(access(to: server, credentials, tlsServerName: "kubernetes.example")) {
                try await $0.nodes()
            }
            #expect(nodes.items.isEmpty)
            try await KubeClient.withClient(access(to: server, credentials)) { client in
                let error = await expectKubeError(.tls) { _ = try await client.nodes() }
                #expect(error?.message.contains("the server's certificate does not name the server's host") == true, "\(String(describing: error))")
            }
            try await KubeClient.withClient(access(to: server, credentials, tlsServerName: "other.example")) { client in
                let error = await expectKubeError(.tls) { _ = try await client.nodes() }
                #expect(error?.message.contains("tls-server-name \"other.example\"") == true, "\(String(describing: error))")
            }
        }
    }

    @Test func refusedConnectionIsATransportErrorNamingTheServer() async throws {
        let server = try await StandInAPIServer.start(StandInConfiguration())
        let stopped = access(to: server, .none)
        try await server.shutdown()
        try await KubeClient.withClient(stopped) { client in
            let error = await expectKubeError(.transport) { _ = try await client.version() }
            #expect(error?.message.hasPrefix("cannot connect to \(server.url)") == true || error?.message.hasPrefix("cannot talk to \(server.url)") == true,
                    "\(String(describing: error))")
        }
    }

    @Test func anonymousMayReadVersionAndClusterInfoOnly() async throws {
        try await withStandIn { server, _ in
            try await KubeClient.withClient(access(to: server, .none)) { anonymous in
                #expect(try await anonymous.version().gitVersion == "v1.32.0")
                let info = try await anonymous.configMap(namespace: "kube-public", name: "cluster-info")
                #expect(info.data?["kubeconfig"]?.contains("certificate-authority-data") == true)
                _ = await expectKubeError(.forbidden) { _ = try await anonymous.nodes() }
            }
        }
    }
}

@Suite struct ResourceTests {
    @Test func notFoundAlreadyExistsConflictAndInvalid() async throws {
        try await withStandIn { server, client in
            let missing = await expectKubeError(.notFound) { _ = try await client.node("w1") }
            #expect(missing?.description == #"Error from server (NotFound): nodes "w1" not found (GET /api/v1/nodes/w1 on \#(server.url))"#)
            #expect(missing?.status?.details?.name == "w1")

            let created = try await client.createNode(makeNode("w1"))
            #expect(created.metadata.uid?.isEmpty == false)
            #expect(created.metadata.resourceVersion != nil)
            let exists = await expectKubeError(.alreadyExists) { _ = try await client.createNode(makeNode("w1")) }
            #expect(exists?.message == #"nodes "w1" already exists"#)
            #expect(exists?.httpStatus == 409)

            // An update with a stale resourceVersion: 409 Conflict.
            _ = try await client.patchNode("w1", mergePatch: ["metadata": ["labels": ["bump": "1"]]])
            var stale = try JSONValue(encoding: created)
            if case .object(var members) = stale {
                members["spec"] = ["unschedulable": true]
                stale = .object(members)
            }
            let conflict = await expectKubeError(.conflict) { _ = try await client.request(method: "PUT", path: "/api/v1/nodes/w1", body: stale) }
            #expect(conflict?.message.hasPrefix(#"Operation cannot be fulfilled on nodes "w1": the object has been modified"#) == true)

            let invalid = await expectKubeError(.invalid) { _ = try await client.createNode(makeNode("Not_A_DNS_Name")) }
            #expect(invalid?.httpStatus == 422)
            #expect(invalid?.status?.reason == "Invalid")

            try await client.deleteNode("w1")
            _ = await expectKubeError(.notFound) { _ = try await client.node("w1") }
            _ = await expectKubeError(.notFound) { try await client.deleteNode("w1") }
        }
    }

    @Test func listsWithLabelAndFieldSelectors() async throws {
        try await withStandIn { _, client in
            _ = try await client.createNode(makeNode("w1", labels: ["pool": "a"]))
            _ = try await client.createNode(makeNode("w2", labels: ["pool": "b"]))
            _ = try await client.createNode(makeNode("w3"))
            func names(_ label: String?, _ field: String? = nil) async throws -> [String] {
                try await client.nodes(labelSelector: label, fieldSelector: field).items.map(\.name).sorted()
            }
            #expect(try await names(nil) == ["w1", "w2", "w3"])
            #expect(try await names("pool=a") == ["w1"])
            #expect(try await names("pool!=a") == ["w2", "w3"])
            #expect(try await names("pool") == ["w1", "w2"])
            #expect(try await names("!pool") == ["w3"])
            #expect(try await names(nil, "metadata.name=w2") == ["w2"])
            #expect(try await client.nodes().metadata?.resourceVersion?.isEmpty == false)

            _ = try await client.createPod(makePod("p1", node: "w1"))
            _ = try await client.createPod(makePod("p2", node: "w2"))
            _ = try await client.createPod(makePod("p3", node: "w1", namespace: "kube-system"))
            let onW1 = try await client.pods(fieldSelector: "spec.nodeName=w1").items.map { "\($0.namespace)/\($0.name)" }.sorted()
            #expect(onW1 == ["default/p1", "kube-system/p3"])
            #expect(try await client.pods(namespace: "default").items.map(\.name).sorted() == ["p1", "p2"])
            let pod = try await client.pod(namespace: "default", name: "p1")
            #expect(pod.status?.phase == "Running")
            try await client.deletePod(namespace: "default", name: "p1", gracePeriodSeconds: 0)
            _ = await expectKubeError(.notFound) { _ = try await client.pod(namespace: "default", name: "p1") }
        }
    }

    @Test func mergePatchCordonsLabelsAndPatchesStatus() async throws {
        try await withStandIn { server, client in
            _ = try await client.createNode(makeNode("w1", labels: ["keep": "1", "drop": "1"]))
            let cordoned = try await client.patchNode("w1", mergePatch: ["spec": ["unschedulable": true]])
            #expect(cordoned.isUnschedulable)
            // The stand-in's own store agrees (not just the response).
            let stored = try JSONDecoder().decode(Node.self, from: try #require(server.object("/api/v1/nodes/w1")))
            #expect(stored.spec?.unschedulable == true)

            let labelled = try await client.patchNode("w1", mergePatch: ["metadata": ["labels": ["drop": nil, "new": "2"]]])
            #expect(labelled.metadata.labels == ["keep": "1", "new": "2"])
            #expect(try await !client.patchNode("w1", mergePatch: ["spec": ["unschedulable": nil]]).isUnschedulable)

            let status: JSONValue = [
                "status": [
                    "capacity": ["cpu": "4", "memory": "8123456Ki"],
                    "conditions": [["type": "Ready", "status": "True", "reason": "KubeletReady"]],
                ]
            ]
            let ready = try await client.patchNode("w1", mergePatch: status, subresource: "status")
            #expect(ready.isReady)
            #expect(ready.cpuCapacityMilli == 4000)
            #expect(ready.memoryCapacityBytes == 8_318_418_944)
            _ = await expectKubeError(.notFound) { _ = try await client.patchNode("absent", mergePatch: ["spec": ["unschedulable": true]]) }
        }
    }

    @Test func secretForABootstrapTokenAuthenticatesItsToken() async throws {
        try await withStandIn { server, client in
            let expiration = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))
            let secret = Secret(
                metadata: ObjectMeta(name: "bootstrap-token-abcdef", namespace: "kube-system"), type: "bootstrap.kubernetes.io/token",
                strings: [
                    "token-id": "abcdef", "token-secret": "0123456789abcdef", "expiration": expiration,
                    "usage-bootstrap-authentication": "true", "usage-bootstrap-signing": "true",
                    "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token",
                ])
            let created = try await client.createSecret(secret)
            #expect(created.metadata.name == "bootstrap-token-abcdef")
            #expect(try await client.secret(namespace: "kube-system", name: "bootstrap-token-abcdef").string("token-id") == "abcdef")

            try await KubeClient.withClient(access(to: server, .bearerToken("abcdef.0123456789abcdef"))) { bootstrap in
                _ = try await bootstrap.request(method: "GET", path: "/apis/certificates.k8s.io/v1/certificatesigningrequests")
                _ = await expectKubeError(.forbidden) { _ = try await bootstrap.nodes() }
            }
            try await KubeClient.withClient(access(to: server, .bearerToken("abcdef.wrongwrongwrong0"))) { wrong in
                _ = await expectKubeError(.unauthorized) { _ = try await wrong.request(method: "GET", path: "/apis/certificates.k8s.io/v1/certificatesigningrequests") }
            }
            let malformed = Secret(
                metadata: ObjectMeta(name: "bootstrap-token-ABC", namespace: "kube-system"), type: "bootstrap.kubernetes.io/token",
                strings: ["token-id": "ABC", "token-secret": "short"])
            _ = await expectKubeError(.invalid) { _ = try await client.createSecret(malformed) }

            // An expired token is rejected even though its secret matches.
            let expired = Secret(
                metadata: ObjectMeta(name: "bootstrap-token-old000", namespace: "kube-system"), type: "bootstrap.kubernetes.io/token",
                strings: [
                    "token-id": "old000", "token-secret": "0123456789abcdef",
                    "expiration": ISO8601DateFormatter().string(from: Date().addingTimeInterval(-60)),
                    "usage-bootstrap-authentication": "true",
                ])
            _ = try await client.createSecret(expired)
            try await KubeClient.withClient(access(to: server, .bearerToken("old000.0123456789abcdef"))) { old in
                _ = await expectKubeError(.unauthorized) { _ = try await old.request(method: "GET", path: "/apis/certificates.k8s.io/v1/certificatesigningrequests") }
            }

            try await client.deleteSecret(namespace: "kube-system", name: "bootstrap-token-abcdef")
            try await KubeClient.withClient(access(to: server, .bearerToken("abcdef.0123456789abcdef"))) { bootstrap in
                _ = await expectKubeError(.unauthorized) { _ = try await bootstrap.request(method: "GET", path: "/apis/certificates.k8s.io/v1/certificatesigningrequests") }
            }
        }
    }

    @Test func evictionBlockedByADisruptionBudgetThenAllowed() async throws {
        try await withStandIn { _, client in
            _ = try await client.createNode(makeNode("w1"))
            for name in ["web-1", "web-2"] {
                _ = try await client.createPod(makePod(name, node: "w1", labels: ["app": "web"]))
            }
            let budget: JSONValue = [
                "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                "metadata": ["name": "web-pdb", "namespace": "default"],
                "spec": ["minAvailable": 2, "selector": ["matchLabels": ["app": "web"]]],
            ]
            let createdBudget = try await client.request(method: "POST", path: "/apis/policy/v1/namespaces/default/poddisruptionbudgets", body: budget)
            #expect(createdBudget["metadata"]?["name"] == "web-pdb")

            let blocked = await expectKubeError(.tooManyRequests) { try await client.evict(namespace: "default", name: "web-1") }
            #expect(blocked?.httpStatus == 429)
            #expect(blocked?.message == "Cannot evict pod as it would violate the pod's disruption budget.")
            let cause = blocked?.status?.details?.causes?.first
            #expect(cause?.reason == "DisruptionBudget")
            #expect(cause?.message == "The disruption budget web-pdb needs 2 healthy pods and has 2 currently")
            #expect(try await client.pod(namespace: "default", name: "web-1").metadata.deletionTimestamp == nil)

            // A third healthy pod makes room for one eviction.
            _ = try await client.createPod(makePod("web-3", node: "w1", labels: ["app": "web"]))
            try await client.evict(namespace: "default", name: "web-1")
            _ = await expectKubeError(.notFound) { _ = try await client.pod(namespace: "default", name: "web-1") }
            _ = await expectKubeError(.tooManyRequests) { try await client.evict(namespace: "default", name: "web-2") }
            _ = await expectKubeError(.notFound) { try await client.evict(namespace: "default", name: "absent") }
        }
    }
}

@Suite struct WatchTests {
    @Test func watchSeesANodeAppearChangeAndDisappear() async throws {
        try await withStandIn { _, client in
            let start = try await client.nodes().metadata?.resourceVersion
            let stream = client.watchNodes(resourceVersion: start)
            async let events = collect(3, from: stream)
            try await Task.sleep(for: .milliseconds(200))
            _ = try await client.createNode(makeNode("w1"))
            _ = try await client.patchNode("w1", mergePatch: ["spec": ["unschedulable": true]])
            try await client.deleteNode("w1")
            let seen = try await events
            #expect(seen.map(\.type) == [.added, .modified, .deleted])
            #expect(seen.map(\.object.name) == ["w1", "w1", "w1"])
            #expect(seen.dropFirst().first?.object.isUnschedulable == true)
        }
    }

    @Test func watchWithoutResourceVersionStartsWithTheCurrentNodes() async throws {
        try await withStandIn { _, client in
            _ = try await client.createNode(makeNode("a"))
            _ = try await client.createNode(makeNode("b"))
            let seen = try await collect(2, from: client.watchNodes(resourceVersion: nil))
            #expect(Set(seen.map(\.object.name)) == ["a", "b"])
            #expect(seen.allSatisfy { $0.type == .added })
        }
    }

    @Test func watchEndsWhenTheServerClosesIt() async throws {
        try await withStandIn { _, client in
            let rv = try await client.nodes().metadata?.resourceVersion
            let started = ContinuousClock.now
            var count = 0
            for try await _ in client.watchNodes(resourceVersion: rv, timeoutSeconds: 1) { count += 1 }
            #expect(count == 0)
            // The server ends it after 1 s; the client alone would give up only at its 30 s
            // timeout. 20 s tells the two apart even while guests load the machine (9.3 s seen).
            #expect(ContinuousClock.now - started < .seconds(20))
        }
    }

    @Test func watchFromATooOldResourceVersionIsGone() async throws {
        try await withStandIn({ $0.watchHistoryLimit = 2 }) { _, client in
            let old = try await client.nodes().metadata?.resourceVersion
            for index in 1...5 { _ = try await client.createNode(makeNode("n\(index)")) }
            do {
                for try await event in client.watchNodes(resourceVersion: old, timeoutSeconds: 2) {
                    Issue.record("unexpected event \(event.type) \(event.object.name)")
                }
                Issue.record("the watch ended without an error")
            } catch let error as KubeError {
                #expect(error.code == .gone, "\(error)")
            }
        }
    }

    @Test func fieldSelectedWatchOnlySeesItsNode() async throws {
        try await withStandIn { _, client in
            let rv = try await client.nodes().metadata?.resourceVersion
            async let events = collect(1, from: client.watchNodes(resourceVersion: rv, fieldSelector: "metadata.name=mine"))
            try await Task.sleep(for: .milliseconds(200))
            _ = try await client.createNode(makeNode("other"))
            _ = try await client.createNode(makeNode("mine"))
            #expect(try await events.map(\.object.name) == ["mine"])
        }
    }

    @Test func waitForNodeReturnsWhenItBecomesReady() async throws {
        try await withStandIn { _, client in
            async let waited = client.waitForNode("w1", timeout: .seconds(20)) { $0?.isReady == true }
            try await Task.sleep(for: .milliseconds(300))
            _ = try await client.createNode(makeNode("w1"))
            try await Task.sleep(for: .milliseconds(200))
            let status: JSONValue = ["status": ["conditions": [["type": "Ready", "status": "True"]]]]
            _ = try await client.patchNode("w1", mergePatch: status, subresource: "status")
            let node = try await waited
            #expect(node.isReady)

            async let deleted: Void = client.waitForNodeDeletion("w1", timeout: .seconds(20))
            try await Task.sleep(for: .milliseconds(200))
            try await client.deleteNode("w1")
            try await deleted
        }
    }

    @Test func waitForNodeTimesOutSayingWhatItSaw() async throws {
        try await withStandIn { _, client in
            let never = await expectKubeError(.timeout) { _ = try await client.waitForNode("ghost", timeout: .seconds(1)) { $0 != nil } }
            #expect(never?.message.contains(#"node "ghost" was never seen"#) == true, "\(String(describing: never))")

            _ = try await client.createNode(makeNode("w1"))
            let started = ContinuousClock.now
            let notReady = await expectKubeError(.timeout) { _ = try await client.waitForNode("w1", timeout: .seconds(1)) { $0?.isReady == true } }
            #expect(ContinuousClock.now - started < .seconds(15))
            #expect(notReady?.message.contains("last seen: no Ready condition") == true, "\(String(describing: notReady))")
        }
    }

    @Test func waitForNodeIsCancellable() async throws {
        try await withStandIn { _, client in
            let task = Task { try await client.waitForNode("ghost", timeout: .seconds(60)) { $0 != nil } }
            try await Task.sleep(for: .milliseconds(300))
            let started = ContinuousClock.now
            task.cancel()
            do {
                _ = try await task.value
                Issue.record("a cancelled wait returned")
            } catch let error as KubeError {
                #expect(error.code == .cancelled)
            }
            // Far below the wait's 60 s; generous because the full suite loads the machine (5.6 s seen).
            #expect(ContinuousClock.now - started < .seconds(20))
        }
    }
}

@Suite("KubeClient shutdown after an abandoned watch")
struct AbandonedWatchTests {
    /// A client that stops reading a watch (waitForNode satisfied, say) closes at once: the server
    /// keeps reading while the watch response is open, so it sees the TLS close_notify (it used
    /// to make NIOSSL wait out its 5 s shutdown timeout).
    @Test func shutdownIsQuick() async throws {
        let server = try await StandInAPIServer.start(StandInConfiguration())
        defer { Task { try? await server.shutdown() } }
        let admin = try Kubeconfig.parse(server.adminKubeconfig(), path: "admin").resolve(context: nil)
        let client = try KubeClient(access: admin, timeout: .seconds(10))
        _ = try await client.createNode(makeNode("a"))
        let seen = try await collect(1, from: client.watchNodes(resourceVersion: nil))
        #expect(seen.count == 1)
        let clock = ContinuousClock()
        let start = clock.now
        try await client.shutdown()
        let elapsed = start.duration(to: clock.now)
        #expect(elapsed < .seconds(3), "shutdown took \(elapsed)")
    }
}
