import Foundation
import Testing

/// `kinvm` and `kubectl` inside a network namespace the test run made (`ip netns exec`), with
/// the exit status checked: the end-to-end tests' guests and cluster networks exist only there.
enum NetnsCommand {
    static let ip = URL(fileURLWithPath: "/usr/sbin/ip")

    /// `PROGRAM ARGS` in `netns`; with `expect`, a different exit status is an issue showing
    /// both outputs.
    @discardableResult
    static func run(
        _ program: String, _ arguments: [String], in netns: String, environment: [String: String] = [:], input: String? = nil,
        expect status: Int32?, sourceLocation: SourceLocation
    ) async throws -> CLIRunner.Result {
        let result = try await CLIRunner.runDetached(
            ["netns", "exec", netns, program] + arguments, environment: environment, executable: ip, input: input)
        if let status {
            let name = URL(fileURLWithPath: program).lastPathComponent
            #expect(
                result.status == status,
                "\(name) \(arguments.joined(separator: " ")) exited \(result.status)\nstdout: \(result.stdout)\nstderr: \(result.stderr)",
                sourceLocation: sourceLocation)
        }
        return result
    }

    /// The real `kinvm` binary in `netns`.
    @discardableResult
    static func kinvm(
        _ arguments: [String], in netns: String, environment: [String: String] = [:], expect status: Int32?,
        sourceLocation: SourceLocation
    ) async throws -> CLIRunner.Result {
        try await run(CLIRunner.binary.path, arguments, in: netns, environment: environment, expect: status, sourceLocation: sourceLocation)
    }

    /// `kubectl --kubeconfig K ARGS` in `netns`.
    @discardableResult
    static func kubectl(
        _ arguments: [String], kubeconfig: String, in netns: String, input: String? = nil, expect status: Int32 = 0,
        sourceLocation: SourceLocation
    ) async throws -> CLIRunner.Result {
        try await run(
            "/usr/bin/kubectl", ["--kubeconfig", kubeconfig] + arguments, in: netns, input: input, expect: status,
            sourceLocation: sourceLocation)
    }
}
