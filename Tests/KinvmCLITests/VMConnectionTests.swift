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
}
