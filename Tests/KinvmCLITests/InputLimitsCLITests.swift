import Foundation
import KinvmTestSupport
import Testing

/// Hostile inputs through the real binary (libvirt's in-memory test driver only): files far too
/// large or endless, YAML alias bombs, numbers that overflow, addresses and paths kinvm must not
/// use. Each is refused quickly, with the documented exit status and a short message that does not
/// echo the input, and never crashes.
@Suite("Input limits (real binary)")
struct InputLimitsCLITests {
    let directory: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-limits-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    func file(_ name: String, _ text: String) throws -> String {
        let path = "\(directory)/\(name)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A spec with `network` and `extra` lines under `spec:`.
    func spec(network: String = "{mode: nat, cidr: 192.168.150.0/24}", count: String = "1", extra: String = "") -> String {
        """
        apiVersion: kinvm.dev/v1alpha1
        kind: Cluster
        metadata: {name: lab}
        spec:
          kubernetes: {distribution: k3s}
          image: default/debian-12.qcow2
          network: \(network)
          controlPlane: {vcpus: 1, memory: 1GiB}
          pools:
            - {name: workers, count: \(count), vcpus: 1, memory: 1GiB}
        \(extra)
        """
    }

    /// Ten levels of nine aliases each: a billion nodes once expanded.
    static let aliasBomb = (1...9).reduce("a0: &a0 [\"lol\"]\n") { text, level in
        text + "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]\n"
    }

    func run(_ arguments: [String], expect status: Int32, containing part: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let start = Date()
        let result = try CLIRunner.run(arguments, environment: ["KINVM_CONNECT": "test:///default"], timeout: 60)
        let seconds = Date().timeIntervalSince(start)
        let shown = "kinvm \(arguments.map { $0.count > 80 ? String($0.prefix(80)) + "…" : $0 }) → \(result.status)"
        #expect(!result.timedOut && seconds < 30, "\(shown): took \(seconds) s", sourceLocation: sourceLocation)
        #expect(result.status == status && !result.signalled, "\(shown)\n\(result.stderr.prefix(2000))", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(part), "\(shown)\n\(result.stderr.prefix(2000))", sourceLocation: sourceLocation)
        #expect(result.stderr.utf8.count < 8 << 10, "\(shown): \(result.stderr.utf8.count) bytes", sourceLocation: sourceLocation)
    }

    @Test("huge and endless files, alias bombs, overflowing numbers, bad CIDRs, paths and MACs are refused quickly")
    func refused() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let huge = try file("huge.yaml", spec() + "# " + String(repeating: "x", count: 2 << 20) + "\n")
        try run(["cluster", "create", "-f", huge, "--dry-run"], expect: 64, containing: "is larger than 1 MiB")
        try run(["cluster", "create", "-f", "/dev/zero", "--dry-run"], expect: 64, containing: "is larger than 1 MiB")
        let longLine = try file(
            "line.yaml", spec().replacingOccurrences(of: "kinvm.dev/v1alpha1", with: String(repeating: "y", count: 500_000)))
        try run(["cluster", "create", "-f", longLine, "--dry-run"], expect: 64, containing: "more characters")
        let bomb = try file("bomb.yaml", spec(extra: "  x-bomb: *a9").replacingOccurrences(of: "spec:\n", with: Self.aliasBomb + "spec:\n"))
        try run(["cluster", "create", "-f", bomb, "--dry-run"], expect: 64, containing: "expands to more than 200000 YAML nodes")
        let userData = try file("laughs.yaml", "#cloud-config\n" + Self.aliasBomb + "runcmd: *a9\n")
        try run(
            ["vm", "create", "x-1", "--image", "base.qcow2", "--vcpus", "1", "--memory", "256MiB", "--user-data", userData, "--wait", "none"], expect: 1,
            containing: "expands to more than 200000 YAML nodes")
        try run(["vm", "create", "x-1", "--image", "base.qcow2", "--vcpus", "1", "--memory", "256MiB", "--user-data", "/dev/zero"], expect: 1, containing: "is larger than 4 MiB")
        try run(["cluster", "create", "-f", try file("count.yaml", spec(count: "9223372036854775807")), "--dry-run"], expect: 64, containing: "count")
        try run(["vm", "create", "x-1", "--image", "base.qcow2", "--vcpus", "1", "--memory", "256MiB", "--ttl", "999999999999999999d"], expect: 64, containing: "ttl")
        for cidr in ["127.0.5.0/24", "169.254.1.0/24", "224.1.0.0/16"] {
            let path = try file("cidr.yaml", spec(network: "{mode: nat, cidr: \(cidr)}"))
            try run(["cluster", "create", "-f", path, "--dry-run"], expect: 64, containing: "\(cidr) is in the")
        }
        try run(
            ["vm", "create", "x-1", "--image", "base.qcow2", "--vcpus", "1", "--memory", "256MiB", "--kernel", "/var/lib/../../etc/shadow", "--wait", "none"], expect: 1,
            containing: "without '.' or '..'")
    }
}
