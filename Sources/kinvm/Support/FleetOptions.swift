import ArgumentParser
import Foundation
import Logging
import Provisioner

/// Options of commands that may work over several libvirt hosts: the `-c` host, or a hosts file;
/// a cluster's own hosts come from its spec (given or recorded).
struct FleetOptions: ParsableArguments {
    @OptionGroup var libvirt: ConnectionOptions

    @Option(
        help: ArgumentHelp(
            "A hosts file (`hosts:` listing {name, uri, capacity} as a spec's spec.hosts) to work over instead of the -c host.",
            discussion: "Defaults to $KINVM_HOSTS when set.", valueName: "file"))
    var hosts: String?

    @Option(help: ArgumentHelp("How long each host may take to connect.", valueName: "duration"))
    var connectTimeout = DurationArgument(seconds: 30)

    /// The `-c` URI after the environment fallbacks.
    var uri: String { libvirt.uri }
    var connect: String? { libvirt.connect }

    var hostsFile: String? { hosts ?? ProcessInfo.processInfo.environment["KINVM_HOSTS"].flatMap { $0.isEmpty ? nil : $0 } }

    var openOptions: HostFleet.OpenOptions { .init(timeout: connectTimeout.duration, allowInsecureTCP: libvirt.allowInsecureTCP) }

    /// The hosts of the hosts file, or the one `-c` host.
    func loadHosts() throws -> [ClusterHost] {
        guard let file = hostsFile, libvirt.connect == nil else {
            return [ClusterHost(name: ClusterHost.implicitName(uri: uri), uri: uri)]
        }
        let text: String
        do {
            text = try BoundedFile.text(file, limit: .spec, what: "the hosts file")
        } catch {
            Terminal.error(error.message)
            throw ExitCode.validationFailure
        }
        do {
            return try ClusterHost.parseList(text, file: file)
        } catch {
            Terminal.error("the hosts file is not valid:\n\(error)")
            throw ExitCode.validationFailure
        }
    }

    /// The hosts a spec's nodes go on: its `hosts`, or its one host (`-c` overriding `spec.connection`).
    func hosts(of spec: ClusterSpec) -> [ClusterHost] {
        guard spec.hosts.isEmpty else { return spec.hosts }
        let uri = libvirt.connect ?? spec.connection ?? uri
        return [ClusterHost(name: ClusterHost.implicitName(uri: uri), uri: uri)]
    }

    /// Connects to `hosts` in parallel. Refused URIs exit 64; warnings and unreachable hosts go to
    /// stderr; no reachable host at all exits 1.
    func open(_ hosts: [ClusterHost], logger: Logger) async throws -> HostFleet {
        let fleet: HostFleet
        do {
            fleet = try await HostFleet.open(hosts, options: openOptions, logger: logger)
        } catch {
            Terminal.error(error.message)
            throw ExitCode.validationFailure
        }
        for warning in fleet.warnings { Terminal.progress("warning: \(warning)") }
        if fleet.members.isEmpty {
            for (host, reason) in fleet.unreachable { Terminal.error("host \(host.name): \(reason)") }
            if hosts.count == 1, let host = hosts.first {
                Terminal.error("cannot connect to libvirt at '\(host.uri)'")
            } else {
                Terminal.error("none of the \(hosts.count) hosts answered")
            }
            throw ExitCode.failure
        }
        for (host, reason) in fleet.unreachable { Terminal.progress("warning: host \(host.name) is unreachable: \(reason)") }
        return fleet
    }

    func validate() throws {
        if hosts != nil, libvirt.connect != nil { throw ValidationError("give -c URI or --hosts FILE, not both.") }
    }
}
