import ArgumentParser
import Provisioner

struct ClusterLogs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Collect every node's serial console, cloud-init logs and Kubernetes service journals into a directory.",
        discussion: """
            Writes DIR/NODE/console.log, cloud-init.log, cloud-init-output.log and the journals of \
            kubelet, k3s or k3s-agent that exist, read through the guest agent (no SSH, no \
            network): CI artefacts of a cluster. What could not be read is listed, not fatal.
            """)

    @Argument(help: "The cluster name.")
    var name: String

    @Option(help: ArgumentHelp("Where to write the logs.", valueName: "dir"))
    var dir: String

    @Option(name: [.customShort("o"), .long], help: "Output format: text, json or yaml.")
    var output: OutputFormat = .text

    @OptionGroup var connection: FleetOptions

    func run() async throws {
        let (name, dir) = (name, dir)
        let report = try await ClusterCommand.withClusters(connection, cluster: name) { try await $0.collectLogs(name, into: dir) }
        switch output {
        case .json: print(try Rendering.json(report))
        case .yaml: print(try Rendering.yaml(report), terminator: "")
        case .text:
            for node in report.nodes {
                print("\(node.name): \(node.files.count) files" + (node.missing.isEmpty ? "" : "; missing: " + node.missing.joined(separator: "; ")))
            }
            print("logs of cluster \(name) in \(dir)")
        }
    }
}
