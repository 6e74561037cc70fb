import Foundation
import Testing
@testable import KubeStandIn

/// kubectl 1.32 as the independent client: discovery, get, create, cordon, drain, delete.
@Suite(.timeLimit(.minutes(5))) struct KubectlTests {
    static let nodes = """
        apiVersion: v1
        kind: Node
        metadata: {name: w1, labels: {kubernetes.io/hostname: w1}}
        ---
        apiVersion: v1
        kind: Node
        metadata: {name: w2}
        """

    @Test func getNodesCordonUncordonDelete() async throws {
        try await StandInFixture.with { standIn in
            let empty = try await standIn.kubectl(["get", "nodes", "-o", "json"])
            #expect(empty.status == 0, "\(empty.stderr)")
            #expect(JSON.parse(Array(empty.stdout.utf8))?["items"] == .array([]))

            let created = try await standIn.kubectl(["create", "-f", "-", "--validate=false"], stdin: Self.nodes)
            #expect(created.status == 0, "\(created.stderr)")
            let listed = try await standIn.kubectl(["get", "nodes", "-o", "json"])
            let names = JSON.parse(Array(listed.stdout.utf8))?["items"]?.array?.compactMap { $0[path: ["metadata", "name"]]?.string }
            #expect(names == ["w1", "w2"])

            let cordon = try await standIn.kubectl(["cordon", "w1"])
            #expect(cordon.status == 0, "\(cordon.stderr)")
            #expect(standIn.object("/api/v1/nodes/w1")?[path: ["spec", "unschedulable"]] == .bool(true))
            let uncordon = try await standIn.kubectl(["uncordon", "w1"])
            #expect(uncordon.status == 0, "\(uncordon.stderr)")
            #expect(standIn.object("/api/v1/nodes/w1")?[path: ["spec", "unschedulable"]] == nil)
            #expect(standIn.object("/api/v1/nodes/w1")?[path: ["metadata", "labels", "kubernetes.io/hostname"]] == "w1")

            let deleted = try await standIn.kubectl(["delete", "node", "w1"])
            #expect(deleted.status == 0, "\(deleted.stderr)")
            #expect(standIn.object("/api/v1/nodes/w1") == nil)
            #expect(standIn.object("/api/v1/nodes/w2") != nil)
            let missing = try await standIn.kubectl(["get", "node", "w1"])
            #expect(missing.status != 0)
            #expect(missing.stderr.contains("nodes \"w1\" not found"), "\(missing.stderr)")
        }
    }

    @Test func getNodesPrintsTheServersColumns() async throws {
        try await StandInFixture.with { standIn in
            let nodes = """
                apiVersion: v1
                kind: Node
                metadata: {name: w1, labels: {node-role.kubernetes.io/control-plane: ""}}
                ---
                apiVersion: v1
                kind: Node
                metadata: {name: w2}
                """
            #expect(try await standIn.kubectl(["create", "-f", "-", "--validate=false"], stdin: nodes).status == 0)
            let status = """
                {"status": {"conditions": [{"type": "Ready", "status": "True"}],
                 "addresses": [{"type": "InternalIP", "address": "192.168.231.11"}],
                 "nodeInfo": {"kubeletVersion": "v1.32.0", "osImage": "Debian GNU/Linux 12 (bookworm)",
                   "kernelVersion": "6.1.0-56-cloud-amd64", "containerRuntimeVersion": "containerd://1.7.24"}}}
                """
            let patched = try await standIn.kubectl(["patch", "node", "w1", "--subresource=status", "--type=merge", "-p", status])
            #expect(patched.status == 0, "\(patched.stderr)")
            #expect(try await standIn.kubectl(["cordon", "w2"]).status == 0)

            let plain = try await standIn.kubectl(["get", "nodes"])
            #expect(plain.status == 0, "\(plain.stderr)")
            let rows = plain.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            #expect(rows.first == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"], "\(plain.stdout)")
            #expect(rows.count == 3)
            if rows.count == 3 {
                #expect(Array(rows[1].prefix(3)) == ["w1", "Ready", "control-plane"] && rows[1].last == "v1.32.0", "\(plain.stdout)")
                #expect(Array(rows[2].prefix(3)) == ["w2", "Unknown,SchedulingDisabled", "<none>"], "\(plain.stdout)")
                #expect(rows[1][3].hasSuffix("s"), "age \(rows[1][3])")
            }
            let wide = try await standIn.kubectl(["get", "nodes", "-o", "wide"])
            #expect(wide.status == 0, "\(wide.stderr)")
            let header = wide.stdout.split(separator: "\n").first.map { $0.split(separator: " ").map(String.init) } ?? []
            #expect(header == ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION",
                               "CONTAINER-RUNTIME"], "\(wide.stdout)")
            for cell in ["192.168.231.11", "Debian GNU/Linux 12 (bookworm)", "6.1.0-56-cloud-amd64", "containerd://1.7.24"] {
                #expect(wide.stdout.contains(cell), "\(wide.stdout)")
            }
            let single = try await standIn.kubectl(["get", "node", "w1", "--no-headers"])
            #expect(single.stdout.hasPrefix("w1") && single.stdout.contains(" Ready "), "\(single.stdout)")
            // Labels come from the rows' metadata.
            #expect(try await standIn.kubectl(["get", "nodes", "--show-labels"]).stdout.contains("node-role.kubernetes.io/control-plane="))
        }
    }

    @Test(arguments: [(45, "45s"), (303, "5m3s"), (300, "5m"), (2820, "47m"), (19200, "5h20m"), (36000, "10h"), (273600, "3d4h"),
                      (1036800, "12d"), (65664000, "2y30d")])
    func nodeAges(seconds: Int, text: String) {
        let now = Date(timeIntervalSince1970: 2_000_000_000)
        let created = ISO8601DateFormatter().string(from: now.addingTimeInterval(-Double(seconds)))
        #expect(NodeTable.age(created, now: now) == text)
    }

    static let workload = """
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: agent, namespace: default}
        spec:
          selector: {matchLabels: {app: agent}}
          template: {metadata: {labels: {app: agent}}, spec: {containers: [{name: a, image: agent}]}}
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: web-pdb, namespace: default}
        spec: {minAvailable: 2, selector: {matchLabels: {app: web}}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: web-1, namespace: default, labels: {app: web}}
        spec:
          nodeName: w1
          containers: [{name: web, image: nginx}]
          volumes: [{name: scratch, emptyDir: {}}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: web-2, namespace: default, labels: {app: web}}
        spec: {nodeName: w2, containers: [{name: web, image: nginx}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: lonely, namespace: default}
        spec: {nodeName: w1, containers: [{name: c, image: busybox}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: agent-w1
          namespace: default
          labels: {app: agent}
          ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: agent, uid: "00000000-0000-0000-0000-000000000001", controller: true}]
        spec: {nodeName: w1, containers: [{name: a, image: agent}]}
        """

    @Test func drainEvictsAndIsBlockedByABudget() async throws {
        try await StandInFixture.with { standIn in
            #expect(try await standIn.kubectl(["create", "-f", "-", "--validate=false"], stdin: Self.nodes).status == 0)
            let created = try await standIn.kubectl(["create", "-f", "-", "--validate=false"], stdin: Self.workload)
            #expect(created.status == 0, "\(created.stderr)")
            let pods = try await standIn.kubectl(["get", "pods", "-A", "-o", "json"])
            #expect(JSON.parse(Array(pods.stdout.utf8))?["items"]?.array?.count == 4)
            #expect(standIn.object("/api/v1/namespaces/default/pods/web-1")?[path: ["status", "phase"]] == "Running")

            // web-1 is one of the two pods the budget needs: the drain keeps retrying and times out.
            let blocked = try await standIn.kubectl(
                ["drain", "w1", "--ignore-daemonsets", "--delete-emptydir-data", "--force", "--timeout", "5s"], timeout: .seconds(60))
            #expect(blocked.status != 0)
            #expect(blocked.stderr.contains("Cannot evict pod as it would violate the pod's disruption budget"), "\(blocked.stderr)")
            #expect(standIn.object("/api/v1/namespaces/default/pods/web-1") != nil)
            #expect(standIn.object("/api/v1/namespaces/default/pods/lonely") == nil)
            #expect(standIn.object("/api/v1/nodes/w1")?[path: ["spec", "unschedulable"]] == .bool(true))

            // A replacement becomes healthy on w2: now the budget allows one disruption.
            let replacement = """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-3","namespace":"default","labels":{"app":"web"}},
                 "spec":{"nodeName":"w2","containers":[{"name":"web","image":"nginx"}]}}
                """
            #expect(try await standIn.kubectl(["create", "-f", "-", "--validate=false"], stdin: replacement).status == 0)
            let drained = try await standIn.kubectl(
                ["drain", "w1", "--ignore-daemonsets", "--delete-emptydir-data", "--force", "--timeout", "60s"], timeout: .seconds(90))
            #expect(drained.status == 0, "\(drained.stderr)")
            #expect(drained.stdout.contains("node/w1 drained"), "\(drained.stdout)")
            #expect(standIn.object("/api/v1/namespaces/default/pods/web-1") == nil)
            #expect(standIn.object("/api/v1/namespaces/default/pods/agent-w1") != nil)
            #expect(standIn.object("/apis/policy/v1/namespaces/default/poddisruptionbudgets/web-pdb")?[path: ["status", "currentHealthy"]] == 2)
        }
    }
}
