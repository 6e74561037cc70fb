import ArgumentParser
import Foundation
import Provisioner

struct ClusterApply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Change a cluster to match its spec: add and remove nodes, resize them (live or by restart).",
        discussion: """
            Computes a plan from the spec and what libvirt and the API hold, prints it like a diff \
            (+ add, ± replace a guest that never joined, ~ resize or relabel, - remove), and carries \
            it out: adds first, then resizes (live where the ceilings allow, else cordon, drain, \
            restart, uncordon), labels, and removals (drained first, highest node number first). \
            Nothing else is changed; other differences are printed as notes (!). Applying the same \
            spec twice changes nothing the second time. --dry-run only prints the plan.
            """)

    @OptionGroup var spec: SpecFileOptions
    @OptionGroup var work: ClusterWorkOptions

    @Flag(help: "Print the plan and change nothing.")
    var dryRun = false

    @Option(name: [.customShort("o"), .long], help: "Output format: text, json or yaml.")
    var output: OutputFormat = .text

    @OptionGroup var connection: FleetOptions

    func run() async throws {
        let spec = try spec.load()
        try await ClusterApply.apply(spec, options: work.options, dryRun: dryRun, output: output, connection: connection)
    }

    /// `recordedSpec`: the spec comes from the cluster's record (see ``ClusterCommand/withClusters``).
    static func apply(
        _ spec: ClusterSpec, options: ClusterOptions, dryRun: Bool, output: OutputFormat, connection: FleetOptions, recordedSpec: Bool = false
    ) async throws {
        let progress = ClusterCommand.progressPrinter()
        if !dryRun, output == .text {
            // The plan first, then the work.
            let plan = try await ClusterCommand.withClusters(connection, spec: spec, recordedSpec: recordedSpec) { clusters in
                try await clusters.apply(spec, options: options, dryRun: true)
            }
            print(render(plan))
            guard !plan.plan.isEmpty else { return }
        }
        let result = try await ClusterCommand.withClusters(connection, spec: spec, recordedSpec: recordedSpec) { clusters in
            try await ClusterCommand.interruptible { try await clusters.apply(spec, options: options, dryRun: dryRun, progress: progress) }
        }
        switch output {
        case .json: print(try Rendering.json(result))
        case .yaml: print(try Rendering.yaml(result), terminator: "")
        case .text:
            if dryRun {
                print(render(result))
            } else {
                print(
                    "applied: \(result.added.count) added, \(result.resized.count) resized, "
                        + (result.started.isEmpty ? "" : "\(result.started.count) started, ")
                        + (result.uncordoned.isEmpty ? "" : "\(result.uncordoned.count) uncordoned, ")
                        + "\(result.relabeled.count) relabeled, \(result.removed.count) removed" + String(format: " (%.0fs)", result.seconds))
            }
        }
    }

    /// The plan like a diff, as ``ClusterPlan/rendered()`` prints it.
    static func render(_ result: ClusterApplyResult) -> String {
        ClusterPlan.rendered(entries: result.plan, notes: result.notes)
    }
}
