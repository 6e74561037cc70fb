import ArgumentParser
import Foundation
import KubeClient
import Libvirt
import Logging
import Provisioner

/// `kinvm node …`: kinvm guests as Kubernetes worker nodes of an existing cluster.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Add kinvm guests to a Kubernetes cluster as worker nodes, list, resize and remove them.",
        discussion: """
            The cluster is the one of the kubeconfig (--kubeconfig, else $KUBECONFIG, else \
            ~/.kube/config; --context picks a context). A node's name is its guest's name. Only \
            guests that kinvm created as nodes are resized or removed. Progress goes to stderr.

            Exit status: 0 on success, 1 when the work failed (stderr says why; for a node that did \
            not become Ready it carries the tail of the guest's console, cloud-init output and \
            kubelet log), 64 on bad arguments, 130 when interrupted.
            """,
        subcommands: [NodeAdd.self, NodeList.self, NodeResize.self, NodeRemove.self])
}

extension NodeCommand {
    /// Opens libvirt and the API, runs `body` with a node manager, and closes both. A failure is
    /// printed as `kinvm: …` (with its guest logs on the following lines) and exit status 1.
    static func withNodes<T>(
        _ connection: ConnectionOptions, _ kube: KubeOptions, _ body: (NodeManager) async throws -> T
    ) async throws -> T {
        let access = try kube.access()
        let client = try makeClient(access)
        do {
            let result = try await LibvirtSession.with(connection, logLabel: "kinvm.nodes", multiline: true) { host, logger in
                try await body(NodeManager(guests: GuestManager(connection: host, logger: logger), client: client, access: access, logger: logger))
            }
            try? await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    static func makeClient(_ access: ClusterAccess) throws -> KubeClient {
        do throws(KubeError) {
            return try KubeClient(access: access)
        } catch {
            Terminal.error("\(error)\(KubeOptions.hint(error)); nothing was changed")
            throw ExitCode.failure
        }
    }

    /// Whether the node guests are looked for on the hosts of a hosts file (`--hosts FILE` or
    /// `$KINVM_HOSTS`, and no `-c`) rather than on one host.
    static func overHosts(_ fleet: FleetOptions) -> Bool { fleet.hostsFile != nil && fleet.connect == nil }

    /// ``withNodes(_:_:_:)`` over every host of the hosts file, connected in parallel: `body`
    /// gets the open fleet and the node manager of each reachable host. Unreachable hosts are
    /// warned about on stderr (``FleetOptions/open(_:logger:)``).
    static func withFleet<T>(
        _ fleet: FleetOptions, _ kube: KubeOptions,
        _ body: (HostFleet, @escaping @Sendable (HostFleet.Member) -> NodeManager) async throws -> T
    ) async throws -> T {
        let access = try kube.access()
        let client = try makeClient(access)
        var logger = Logger(label: "kinvm.nodes")
        logger.logLevel = .warning
        let open: HostFleet
        do {
            open = try await fleet.open(try fleet.loadHosts(), logger: logger)
        } catch {
            try? await client.shutdown()
            throw error
        }
        let managers: @Sendable (HostFleet.Member) -> NodeManager = { [logger] member in
            NodeManager(guests: member.guests, client: client, access: access, logger: logger)
        }
        do {
            let result = try await body(open, managers)
            await open.close()
            try? await client.shutdown()
            return result
        } catch let error as ProvisionerError {
            await open.close()
            try? await client.shutdown()
            Terminal.error(error.description)
            throw ExitCode.failure
        } catch {
            await open.close()
            try? await client.shutdown()
            throw error
        }
    }

    /// Runs `body` with the node manager of each of `names`' hosts: the `-c` host for all of
    /// them, or over a hosts file the one host that has each guest.
    static func withNodes<T>(
        named names: [String], _ fleet: FleetOptions, _ kube: KubeOptions, _ body: ([String: NodeManager]) async throws -> T
    ) async throws -> T {
        guard overHosts(fleet) else {
            return try await withNodes(fleet.libvirt, kube) { nodes in
                try await body(Dictionary(names.map { ($0, nodes) }, uniquingKeysWith: { first, _ in first }))
            }
        }
        return try await withFleet(fleet, kube) { open, manager in
            try await body(try await locate(names, in: open, manager: manager))
        }
    }

    /// The node manager of the host of each of `names`; a name on no reachable host, or on more
    /// than one, is an error (nothing was touched yet).
    static func locate(
        _ names: [String], in open: HostFleet, manager: (HostFleet.Member) -> NodeManager
    ) async throws(ProvisionerError) -> [String: NodeManager] {
        let location = try await open.locate(names)
        guard location.missing.isEmpty else { throw open.notFoundError(location.missing) }
        if let (name, hosts) = location.ambiguous.first {
            throw ProvisionerError(
                .invalidArgument, "a guest named '\(name)' is on several hosts (\(hosts.joined(separator: ", "))); give -c URI of the one meant")
        }
        var managers: [String: NodeManager] = [:]
        for (member, found) in location.found {
            let nodes = manager(member)
            for name in found { managers[name] = nodes }
        }
        return managers
    }

    /// Progress lines on stderr: `[  12.3s] w-1: waiting for …`.
    static func progressPrinter(start: ContinuousClock.Instant = .now) -> @Sendable (String) -> Void {
        { message in
            let elapsed = start.duration(to: .now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            Terminal.progress(String(format: "[%6.1fs] ", seconds) + message)
        }
    }
}
