import ArgumentParser
import Provisioner

struct ClusterGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Show one cluster and its nodes, with each Node's status from the cluster's API.")

    @Argument(help: "The cluster name.")
    var name: String

    @Option(name: [.customShort("o"), .long], help: "Output format: text, wide, json or yaml.")
    var output: GuestOutputFormat = .text

    @OptionGroup var connection: FleetOptions

    func run() async throws {
        let name = name
        let cluster = try await ClusterCommand.withClusters(connection, cluster: name) { try await $0.get(name) }
        switch output {
        case .json: print(try Rendering.json(cluster))
        case .yaml: print(try Rendering.yaml(cluster), terminator: "")
        case .text, .wide:
            print(
                "cluster \(cluster.name): \(cluster.status), \(cluster.distribution ?? "?"), API server \(cluster.apiServer ?? "-"), "
                    + "network \(cluster.network ?? "-") \(cluster.cidr ?? "")" + (cluster.expires.map { ", expires \($0)" } ?? ""))
            if cluster.hosts.count > 1 || !cluster.unreachableHosts.isEmpty {
                let down = cluster.unreachableHosts.keys.sorted()
                print("hosts: " + cluster.hosts.map { down.contains($0) ? "\($0) (unreachable)" : $0 }.joined(separator: ", "))
            }
            if !cluster.pendingDelete.isEmpty {
                print("being deleted; not reached yet: \(cluster.pendingDelete.joined(separator: ", "))")
            }
            var header = ["NAME", "POOL", "ROLE", "HOST", "STATE", "STATUS", "IP"]
            if output == .wide { header += ["VCPUS", "MEMORY"] }
            print(
                Rendering.table(
                    header,
                    cluster.nodes.map { node in
                        var row = [node.name, node.pool, node.role, node.host ?? "-", node.state, node.nodeStatus ?? "-", node.ip ?? "-"]
                        if output == .wide { row += ["\(node.vcpus)", Rendering.bytes(node.memoryBytes)] }
                        return row
                    }))
        }
    }
}
