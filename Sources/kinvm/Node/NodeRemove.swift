import ArgumentParser
import Foundation
import Provisioner

struct NodeRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Cordon, drain and delete nodes: the Node objects, the guests and their volumes.",
        discussion: """
            Every name must be a kinvm node guest; otherwise nothing is touched. Then, one node at a \
            time: cordon, drain the way kubectl drain does (evictions, so PodDisruptionBudgets are \
            honoured and a refused eviction (HTTP 429) is retried until --drain-timeout; DaemonSet \
            and mirror pods are skipped; pods without a controller need --force, pods with emptyDir \
            volumes --delete-emptydir-data), delete the Node object, delete the guest and its \
            volumes. A node whose drain fails stays cordoned with its guest kept, and the nodes after \
            it are not touched.

            With --hosts FILE (or $KINVM_HOSTS) each guest is looked for on every host in the file \
            and removed there; a name no reachable host has touches nothing.
            """)

    @Argument(help: "The node (guest) names.")
    var names: [String]

    @OptionGroup var drain: NodeDrainOptions

    @Option(name: [.customShort("o"), .long], help: "Output format: text, json or yaml.")
    var output: GuestOutputFormat = .text

    @OptionGroup var kube: KubeOptions
    @OptionGroup var fleet: FleetOptions

    func validate() throws {
        guard Set(names).count == names.count else { throw ValidationError("a node name is given twice.") }
    }

    func run() async throws {
        let progress = NodeCommand.progressPrinter()
        let removed = try await NodeCommand.withNodes(named: names, fleet, kube) { managers in
            let (outcome, interrupted) = await Interrupts.watching {
                try await NodeManager.remove(
                    names, managers: managers, drain: drain.options, drainTimeout: drain.drainTimeout.duration, progress: progress)
            }
            if interrupted { throw Interrupts.exitCode }
            return try outcome.get()
        }
        switch output {
        case .json: print(try Rendering.json(removed))
        case .yaml: print(try Rendering.yaml(removed), terminator: "")
        case .text, .wide:
            for removal in removed {
                var line = "\(removal.name) removed"
                if let drain = removal.drain {
                    line += ": drained \(drain.evicted.count) pods"
                    if drain.retries > 0 { line += " (\(drain.retries) evictions refused by a disruption budget and retried)" }
                }
                line += removal.nodeDeleted ? ", Node deleted" : ", no Node object"
                line += ", guest and \(removal.guest.deletedVolumes.count) volumes deleted"
                print(line + String(format: " (%.1fs)", removal.seconds))
            }
        }
    }
}
