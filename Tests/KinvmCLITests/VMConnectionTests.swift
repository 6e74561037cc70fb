import Foundation
import Testing

/// Every `vm` command against a libvirt that does not answer: exit 1, one line naming the URI,
/// nothing on stdout (and so nothing created).
@Suite("kinvm vm against an unreachable libvirt")
struct VMConnectionTests {
    static let uri = "qemu+unix:///system?socket=/nonexistent/kinvm-vm.sock"

    @Test("exit 1 with the URI and libvirt's reason", arguments: [
        ["vm", "create", "web-1", "--image", "default/base.qcow2", "--vcpus", "1", "--memory", "256MiB", "--wait", "none"],
        ["vm", "list"], ["vm", "get", "web-1"], ["vm", "start", "web-1"], ["vm", "stop", "web-1"],
        ["vm", "delete", "web-1"], ["vm", "ip", "web-1"], ["vm", "exec", "web-1", "--", "true"],
        ["vm", "resize", "web-1", "--vcpus", "2"], ["vm", "console", "web-1"],
    ])
    func unreachable(arguments: [String]) throws {
        var arguments = arguments
        arguments.insert(contentsOf: ["-c", Self.uri], at: arguments.firstIndex(of: "--") ?? arguments.endIndex)
        let result = try CLIRunner.run(arguments)
        #expect(result.status == 1, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains("kinvm: cannot connect to libvirt at '\(Self.uri)'"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    /// One URI policy for every connection (issue 16): the `-c` / `KINVM_CONNECT` paths of vm,
    /// image, node and doctor refuse what cluster and host commands refuse, before connecting.
    @Test("-c and KINVM_CONNECT refuse plain TCP and program-running URIs on every command group", arguments: [
        ["vm", "list"], ["image", "list"], ["doctor", "--no-boot-probe"], ["node", "list", "--kubeconfig", "/nonexistent"],
        ["host", "list"], ["cluster", "list"],
    ])
    func policy(arguments: [String]) throws {
        for uri in ["qemu+tcp://127.0.0.1:1/system", "qemu+ext:///system?command=/bin/true", "qemu+ssh://127.0.0.1/system?command=/bin/true"] {
            for viaEnvironment in [false, true] {
                let result = try CLIRunner.run(
                    viaEnvironment ? arguments : arguments + ["-c", uri], environment: viaEnvironment ? ["KINVM_CONNECT": uri] : [:])
                #expect(result.status == 64, "\(arguments) \(uri): \(result.stderr)")
                #expect(result.stderr.contains("kinvm refuses") && result.stderr.count < 600, "\(arguments) \(uri): \(result.stderr)")
                #expect(!result.stderr.contains("cannot connect"), "\(arguments) \(uri): connected anyway: \(result.stderr)")
            }
        }
        // Allowed plain TCP: a warning, then the connection is tried (loopback, nothing listens).
        // (node list stops earlier, at its missing kubeconfig.)
        guard arguments[0] != "node" else { return }
        let allowed = try CLIRunner.run(arguments + ["-c", "qemu+tcp://127.0.0.1:1/system", "--allow-insecure-tcp"])
        #expect(allowed.stderr.contains("warning: host ") && allowed.stderr.contains("plain TCP"), "\(allowed.stderr)")
        #expect(allowed.status == 1, "\(arguments): \(allowed.stderr)")
    }
}
