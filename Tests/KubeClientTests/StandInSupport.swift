import Foundation
import KubeStandIn
import Testing

@testable import KubeClient

/// Starts a stand-in API server, runs `body` with it and a client logged in as its admin, and stops both.
func withStandIn(
    _ configure: (inout StandInConfiguration) -> Void = { _ in },
    _ body: (StandInAPIServer, KubeClient) async throws -> Void
) async throws {
    var configuration = StandInConfiguration()
    configure(&configuration)
    let server = try await StandInAPIServer.start(configuration)
    do {
        let access = try Kubeconfig.parse(server.adminKubeconfig(), path: "stand-in admin kubeconfig").resolve(context: nil)
        try await KubeClient.withClient(access, timeout: .seconds(10)) { client in
            try await body(server, client)
        }
    } catch {
        try? await server.shutdown()
        throw error
    }
    try await server.shutdown()
}

/// Access to `server` with `credentials` and its CA.
func access(to server: StandInAPIServer, _ credentials: ClusterAccess.Credentials, caPEM: String? = nil, tlsServerName: String? = nil) -> ClusterAccess {
    ClusterAccess(
        contextName: "test", clusterName: "standin", userName: "test", server: server.url, caCertificatePEM: caPEM ?? server.caCertificatePEM,
        tlsServerName: tlsServerName, credentials: credentials, source: "test kubeconfig")
}

func makeNode(_ name: String, labels: [String: String]? = nil) -> Node {
    Node(metadata: ObjectMeta(name: name, labels: labels))
}

func makePod(_ name: String, node: String, labels: [String: String]? = nil, namespace: String = "default") -> Pod {
    Pod(
        metadata: ObjectMeta(name: name, namespace: namespace, labels: labels),
        spec: PodSpec(nodeName: node, containers: [Container(name: "main", image: "busybox")]))
}

/// Collects events from `stream` until `count` arrived (or the stream ends), failing after `timeout`.
func collect<T: Sendable>(
    _ count: Int, from stream: AsyncThrowingStream<WatchEvent<T>, any Error>, timeout: Duration = .seconds(10)
) async throws -> [WatchEvent<T>] {
    try await withThrowingTaskGroup(of: [WatchEvent<T>]?.self) { group in
        group.addTask {
            var events: [WatchEvent<T>] = []
            for try await event in stream {
                events.append(event)
                if events.count == count { break }
            }
            return events
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let events = try await group.next()! else {
            Issue.record("watch: fewer than \(count) events within \(timeout)")
            return []
        }
        return events
    }
}
