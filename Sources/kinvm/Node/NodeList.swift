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

            With --hosts FILE (or $KINVM_HOSTS) the guests of every host in the file are listed, \
            with a HOST column; a host that does not answer is reported on stderr and the exit \
            status is 1 (the others are listed).
            """)

    @Flag(help: "Also list kinvm nodes that joined other clusters (other API servers).")
    var allClusters = false

    @Option(name: [.customShort("o"), .long], help: "Output format: text, wide, json or yaml.")
    var output: GuestOutputFormat = .text

    @OptionGroup var kube: KubeOptions
    @OptionGroup var fleet: FleetOptions

    func run() async throws {
        let allClusters = allClusters
        guard NodeCommand.overHosts(fleet) else {
            let nodes = try await NodeCommand.withNodes(fleet.libvirt, kube) { nodes in
                try await nodes.list(allClusters: allClusters)
            }
            return try NodeRendering.print(nodes, format: output)
        }
        let (nodes, complete) = try await NodeCommand.withFleet(fleet, kube) { open, manager in
            let (nodes, failures) = await open.collect { member throws(ProvisionerError) -> [NodeSummary] in
                var nodes = try await manager(member).list(allClusters: allClusters)
                for index in nodes.indices { nodes[index].guest.host = member.host.name }
                return nodes
            }
            for (host, error) in failures { Terminal.error("host \(host): \(error.description)") }
            let complete = open.unreachable.isEmpty && failures.isEmpty
            return (nodes.sorted { ($0.name, $0.guest.host ?? "") < ($1.name, $1.guest.host ?? "") }, complete)
        }
        try NodeRendering.print(nodes, format: output)
        if !complete { throw ExitCode.failure }
    }
}
