import ArgumentParser
import Foundation
import Provisioner

/// Options every command that talks to libvirt shares.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: [.customShort("c"), .long],
        help: ArgumentHelp(
            "libvirt connection URI (qemu:///system, qemu+ssh://user@host/system, test:///default, …).",
            discussion: "Defaults to $KINVM_CONNECT, then $LIBVIRT_DEFAULT_URI, then qemu:///system.",
            valueName: "uri"))
    var connect: String?

    @Flag(help: "Allow qemu+tcp:// URIs (no authentication, no encryption); a warning is printed.")
    var allowInsecureTCP = false

    /// The URI to use, after the environment fallbacks.
    var uri: String {
        let environment = ProcessInfo.processInfo.environment
        return connect ?? environment["KINVM_CONNECT"] ?? environment["LIBVIRT_DEFAULT_URI"] ?? "qemu:///system"
    }

    /// Checks the URI against the one policy for every connection (``HostURIPolicy``) before
    /// anything else is done: a refused URI exits 64 with the reason.
    func validate() throws {
        if let connect, connect.isEmpty || connect.contains(where: \.isWhitespace) {
            throw ValidationError("--connect '\(connect)' is not a libvirt URI (it is empty or contains spaces).")
        }
        do {
            _ = try HostURIPolicy.check(uri, host: ClusterHost.implicitName(uri: uri), allowInsecureTCP: allowInsecureTCP)
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// The policy's warning for an allowed insecure URI, printed when the connection is opened.
    func warnIfInsecure() {
        if let warning = try? HostURIPolicy.check(uri, host: ClusterHost.implicitName(uri: uri), allowInsecureTCP: allowInsecureTCP) {
            Terminal.progress("warning: \(warning)")
        }
    }
}

/// `-o text|json|yaml`, as kubectl has it.
struct OutputOptions: ParsableArguments {
    @Option(name: [.customShort("o"), .long], help: "Output format: text, json or yaml.")
    var output: OutputFormat = .text
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text, json, yaml
}
