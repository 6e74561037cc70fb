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

/// Which cluster: the kubeconfig and context, as kubectl takes them.
struct KubeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The kubeconfig file (default: $KUBECONFIG, several files merged, else ~/.kube/config).", valueName: "file"))
    var kubeconfig: String?

    @Option(help: "The kubeconfig context (default: its current-context).")
    var context: String?

    /// The resolved cluster access; a bad kubeconfig is one stderr line and exit 1.
    func access() throws -> ClusterAccess {
        do {
            return try Kubeconfig.load(explicitPath: kubeconfig).resolve(context: context)
        } catch {
            Terminal.error("\(error); nothing was changed")
            throw ExitCode.failure
        }
    }
}

extension NodeCommand {
    /// Opens libvirt and the API, runs `body` with a node manager, and closes both. A failure is
    /// printed as `kinvm: …` (with its guest logs on the following lines) and exit status 1.
    static func withNodes<T>(
        _ connection: ConnectionOptions, _ kube: KubeOptions, _ body: (NodeManager) async throws -> T
    ) async throws -> T {
        let access = try kube.access()
        let client: KubeClient
        do {
            client = try KubeClient(access: access)
        } catch {
            Terminal.error("\(error); nothing was changed")
            throw ExitCode.failure
        }
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

    /// Progress lines on stderr: `[  12.3s] w-1: waiting for …`.
    static func progressPrinter(start: ContinuousClock.Instant = .now) -> @Sendable (String) -> Void {
        { message in
            let elapsed = start.duration(to: .now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            Terminal.progress(String(format: "[%6.1fs] ", seconds) + message)
        }
    }
}
