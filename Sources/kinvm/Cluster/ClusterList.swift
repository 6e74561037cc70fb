import ArgumentParser
import Foundation
import Provisioner

struct ClusterList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List kinvm clusters on the libvirt host (from libvirt alone; no API server is asked).")

    @Option(name: [.customShort("o"), .long], help: "Output format: text, wide, json or yaml.")
    var output: GuestOutputFormat = .text

    @OptionGroup var connection: FleetOptions

    func run() async throws {
        let clusters = try await ClusterCommand.withClusters(connection, discover: true) { try await $0.list() }
        switch output {
        case .json: print(try Rendering.json(clusters))
        case .yaml: print(try Rendering.yaml(clusters), terminator: "")
        case .text, .wide:
            var header = ["NAME", "STATUS", "NODES", "HOSTS", "DISTRIBUTION", "API SERVER", "AGE", "EXPIRES"]
            if output == .wide { header += ["NETWORK", "CIDR"] }
            let rows = clusters.map { cluster -> [String] in
                let wanted = cluster.wanted.values.reduce(0, +)
                var row = [
                    cluster.name, cluster.status, "\(cluster.nodes.count)/\(wanted)", ClusterList.hosts(cluster), cluster.distribution ?? "-",
                    cluster.apiServer ?? "-",
                    ClusterList.age(cluster.created), cluster.expires ?? "-",
                ]
                if output == .wide { row += [cluster.network ?? "-", cluster.cidr ?? "-"] }
                return row
            }
            if rows.isEmpty {
                Terminal.progress("No clusters on \(connection.hostsFile.map { "the hosts of \($0)" } ?? connection.uri).")
            } else {
                print(Rendering.table(header, rows))
            }
        }
    }

    /// `h1,h2,h3(unreachable)`.
    static func hosts(_ cluster: ClusterInfo) -> String {
        guard !cluster.hosts.isEmpty else { return "-" }
        return cluster.hosts.map { cluster.unreachableHosts[$0] == nil ? $0 : "\($0)(unreachable)" }.joined(separator: ",")
    }

    /// `5m`, `3h`, `2d` since an RFC 3339 time, as kubectl shows ages.
    static func age(_ created: String?) -> String {
        guard let created, let date = ISO8601DateFormatter().date(from: created) else { return "-" }
        let seconds = max(0, Int(Date().timeIntervalSince(date)))
        switch seconds {
        case ..<120: return "\(seconds)s"
        case ..<7200: return "\(seconds / 60)m"
        case ..<172_800: return "\(seconds / 3600)h"
        default: return "\(seconds / 86400)d"
        }
    }
}
