import ArgumentParser
import Provisioner

struct NodeList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List kinvm nodes: each guest with its Node's status, the kubelet's capacity and the VM's actual size.",
        discussion: """
            STATUS is the Node's Ready condition (Missing: the guest has no Node object in this \
            cluster); VCPUS and MEMORY are what the VM has now, NODE-CPU and NODE-MEMORY what the \
            kubelet reports. Guests that joined another cluster are left out unless --all-clusters.
            """)

    @Flag(help: "Also list kinvm nodes that joined other clusters (other API servers).")
    var allClusters = false

    @Option(name: [.customShort("o"), .long], help: "Output format: text, wide, json or yaml.")
    var output: GuestOutputFormat = .text

    @OptionGroup var kube: KubeOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let nodes = try await NodeCommand.withNodes(connection, kube) { nodes in
            try await nodes.list(allClusters: allClusters)
        }
        try NodeRendering.print(nodes, format: output)
    }
}
