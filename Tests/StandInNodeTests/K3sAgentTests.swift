import Foundation
import KubeStandIn
import Testing

/// The stand-in `k3s agent`, run as kinvm installs it: through a file named `k3s`, configured
/// by `/etc/rancher/k3s/config.yaml`.
@Suite struct K3sAgentTests {
    static let password = "k3s-node-password"

    static var configuration: StandInConfiguration {
        var configuration = StandInConfiguration()
        configuration.k3sToken = password
        return configuration
    }

    /// `K10<sha256 of /cacerts>::server:<password>`, the hash computed by curl | sha256sum.
    static func nodeToken(_ harness: NodeHarness) async throws -> String {
        let result = try await runCommand(
            "/bin/sh", ["-c", "curl -sS --fail --cacert \"$1\" \"$2/cacerts\" | sha256sum", "sh", harness.caFile, harness.server.url],
            environment: nil, in: harness.root)
        let hex = String(result.stdout.prefix(64))
        guard result.status == 0, hex.count == 64 else { throw HarnessError(description: "cacerts hash: \(result.stderr)") }
        return "K10\(hex)::server:\(password)"
    }

    /// Writes the agent's config and a `k3s` link to the stand-in (argv[0] selects the tool).
    static func install(_ harness: NodeHarness, token: String, images: [String]) throws -> String {
        try write(
            """
            server: "https://\(harness.endpoint)"
            token: "\(token)"
            node-name: "k1"
            node-label: ["tier=edge"]
            node-taint: ["dedicated=edge:NoSchedule"]

            """, to: "\(harness.root)/etc/rancher/k3s/config.yaml", mode: 0o600)
        let imagesDirectory = "\(harness.root)/var/lib/rancher/k3s/agent/images"
        try FileManager.default.createDirectory(atPath: imagesDirectory, withIntermediateDirectories: true)
        for image in images { try write("image", to: "\(imagesDirectory)/\(image)") }
        let k3s = "\(harness.root)/usr/local/bin/k3s"
        try FileManager.default.createDirectory(atPath: "\(harness.root)/usr/local/bin", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: k3s, withDestinationPath: standInNode)
        return k3s
    }

    @Test func agentWithTheRightTokenRegistersAndAnnotatesItsAirGapImages() async throws {
        try await withNodeHarness(Self.configuration) { harness in
            let k3s = try Self.install(
                harness, token: try await Self.nodeToken(harness), images: ["k3s-airgap-images-amd64.tar.zst", "extra.tar"])
            try harness.startBackground("k3s", k3s, ["agent"])
            let node = try await eventually("node k1 Ready", seen: { harness.log("k3s") }) {
                try harness.node("k1").flatMap { $0.condition("Ready")?["status"] as? String == "True" ? $0 : nil }
            }
            let annotations = node[json: "metadata", "annotations"] as? [String: String] ?? [:]
            #expect(annotations["standin.kinvm.io/airgap-images"] == "extra.tar,k3s-airgap-images-amd64.tar.zst")
            #expect((node[json: "metadata", "labels"] as? [String: String])?["tier"] == "edge")
            #expect((node[json: "spec", "taints"] as? [[String: String]]) == [["key": "dedicated", "value": "edge", "effect": "NoSchedule"]])
            #expect(node[json: "status", "capacity", "cpu"] as? String == HostCapacity.cpus)
            #expect(node[json: "status", "capacity", "memory"] as? String == HostCapacity.memory)
        }
    }

    @Test func agentWithoutAirGapImagesAnnotatesAnEmptyList() async throws {
        try await withNodeHarness(Self.configuration) { harness in
            let k3s = try Self.install(harness, token: try await Self.nodeToken(harness), images: [])
            try harness.startBackground("k3s", k3s, ["agent"])
            let node = try await eventually("node k1 registered", seen: { harness.log("k3s") }) { try harness.node("k1") }
            #expect((node[json: "metadata", "annotations"] as? [String: String])?["standin.kinvm.io/airgap-images"] == "")
        }
    }

    @Test func agentWithAWrongCAHashExitsWithK3sMessage() async throws {
        try await withNodeHarness(Self.configuration) { harness in
            let good = try await Self.nodeToken(harness)
            let serverHash = String(good.dropFirst(3).prefix(64))
            let wrongHash = String(repeating: "0", count: 64)
            let k3s = try Self.install(harness, token: "K10\(wrongHash)::server:\(Self.password)", images: [])
            let result = try await runCommand(
                k3s, ["agent"], environment: harness.environment(), in: harness.root, timeout: .seconds(30))
            #expect(result.status == 1)
            #expect(
                result.stderr.contains("token CA hash does not match the Cluster CA certificate hash: \(wrongHash) != \(serverHash)"),
                "\(result.stderr)")
            #expect(try harness.node("k1") == nil)
        }
    }
}
