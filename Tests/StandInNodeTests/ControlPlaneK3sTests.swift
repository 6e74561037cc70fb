import Foundation
import Testing

/// The stand-in `k3s server`: the stand-in API server as its service, the files a k3s server
/// writes, its own Node, and an agent joining with the node token.
@Suite(.timeLimit(.minutes(4)), .enabled(if: kubeStandInServer != nil, "kube-standin is not built next to the tests"))
struct ControlPlaneK3sTests {
    @Test func serverWritesKubeconfigAndTokenRegistersItselfAndAnAgentJoins() async throws {
        try await withControlPlane { harness in
            let cp = harness.controlPlane
            try write(
                """
                node-name: "cp1"
                node-ip: "127.0.0.1"
                node-label: ["tier=control"]
                tls-san: ["cp.example.test"]

                """, to: "\(cp)/etc/rancher/k3s/config.yaml", mode: 0o600)
            try harness.startBackground("k3s", try harness.tool("k3s", in: cp), ["server"], root: cp)
            let kubeconfig = "\(cp)/etc/rancher/k3s/k3s.yaml"
            let seen = { harness.log("k3s", root: cp) + harness.log("kube-standin", root: cp) }
            _ = try await eventually("k3s.yaml", timeout: .seconds(60), seen: seen) {
                FileManager.default.fileExists(atPath: kubeconfig) ? true : nil
            }
            let mode = try FileManager.default.attributesOfItem(atPath: kubeconfig)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600)
            #expect(try String(contentsOfFile: kubeconfig, encoding: .utf8).contains("server: https://127.0.0.1:\(harness.port)"))

            let node = try await harness.readyNode("cp1", kubeconfig: kubeconfig, seen: seen)
            #expect(node.labels["node-role.kubernetes.io/control-plane"] == "true")
            #expect(node.labels["node-role.kubernetes.io/master"] == "true")
            #expect(node.labels["tier"] == "control")
            #expect(node.taints.isEmpty)

            // The node token: K10<sha256 of /cacerts>::server:<password>, as the agent checks it.
            let token = try String(contentsOfFile: "\(cp)/var/lib/rancher/k3s/server/node-token", encoding: .utf8).trimmed
            let ca = "\(cp)/var/lib/rancher/k3s/server/tls/server-ca.crt"
            let hash = try await runCommand(
                "/bin/sh", ["-c", "curl -sS --noproxy '*' --fail --cacert \"$1\" \"$2/cacerts\" | sha256sum", "sh", ca, "https://127.0.0.1:\(harness.port)"],
                environment: nil, in: cp)
            #expect(token.wholeMatch(of: #/K10[0-9a-f]{64}::server:[0-9a-f]{32}/#) != nil, "\(token)")
            #expect(token.hasPrefix("K10\(hash.stdout.prefix(64))::"))
            // tls-san is in the serving certificate.
            let san = try await runCommand(
                "/usr/bin/curl",
                ["-sS", "--noproxy", "*", "--cacert", ca, "--resolve", "cp.example.test:\(harness.port):127.0.0.1",
                 "https://cp.example.test:\(harness.port)/readyz"], environment: nil, in: cp)
            #expect(san.stdout == "ok", "\(san.stderr)")

            let worker = harness.root("w1")
            try write(
                """
                server: "https://127.0.0.1:\(harness.port)"
                token: "\(token)"
                node-name: "w1"

                """, to: "\(worker)/etc/rancher/k3s/config.yaml", mode: 0o600)
            try harness.startBackground("k3s", try harness.tool("k3s", in: worker), ["agent"], root: worker)
            let joined = try await harness.readyNode("w1", kubeconfig: kubeconfig) { harness.log("k3s", root: worker) }
            #expect(joined.labels["node-role.kubernetes.io/control-plane"] == nil)
        }
    }

    @Test func agentWithATokenOfAnotherServerIsRefused() async throws {
        try await withControlPlane { harness in
            let cp = harness.controlPlane
            try write("node-name: cp1\nnode-ip: 127.0.0.1\ntoken: shared-secret\n", to: "\(cp)/etc/rancher/k3s/config.yaml", mode: 0o600)
            try harness.startBackground("k3s", try harness.tool("k3s", in: cp), ["server"], root: cp)
            let tokenFile = "\(cp)/var/lib/rancher/k3s/server/node-token"
            let token = try await eventually("node-token", timeout: .seconds(60), seen: { harness.log("kube-standin", root: cp) }) {
                try? String(contentsOfFile: tokenFile, encoding: .utf8).trimmed
            }
            // The configured token is the password part.
            #expect(token.hasSuffix("::server:shared-secret"))
            let worker = harness.root("w1")
            let forged = "K10\(String(repeating: "0", count: 64))::server:shared-secret"
            try write("server: https://127.0.0.1:\(harness.port)\ntoken: \"\(forged)\"\nnode-name: w1\n", to: "\(worker)/etc/rancher/k3s/config.yaml")
            let result = try await harness.run("k3s", ["agent"], root: worker, timeout: .seconds(60))
            #expect(result.status == 1)
            #expect(result.stderr.contains("token CA hash does not match the Cluster CA certificate hash"), "\(result.stderr)")
        }
    }
}
