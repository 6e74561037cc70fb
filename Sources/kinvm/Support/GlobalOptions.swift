import ArgumentParser
import Foundation

/// Options every command that talks to libvirt shares.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: [.customShort("c"), .long],
        help: ArgumentHelp(
            "libvirt connection URI (qemu:///system, qemu+ssh://user@host/system, test:///default, …).",
            discussion: "Defaults to $KINVM_CONNECT, then $LIBVIRT_DEFAULT_URI, then qemu:///system.",
            valueName: "uri"))
    var connect: String?

    /// The URI to use, after the environment fallbacks.
    var uri: String {
        let environment = ProcessInfo.processInfo.environment
        return connect ?? environment["KINVM_CONNECT"] ?? environment["LIBVIRT_DEFAULT_URI"] ?? "qemu:///system"
    }

    func validate() throws {
        if let connect, connect.isEmpty || connect.contains(where: \.isWhitespace) {
            throw ValidationError("--connect '\(connect)' is not a libvirt URI (it is empty or contains spaces).")
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
