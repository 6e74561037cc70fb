import Foundation
import Provisioner

/// How nodes are printed: a kubectl-like table of guest and Node side by side, JSON and YAML.
enum NodeRendering {
    static func print(_ nodes: [NodeSummary], format: GuestOutputFormat) throws {
        switch format {
        case .json: Swift.print(try Rendering.json(nodes))
        case .yaml: Swift.print(try Rendering.yaml(nodes), terminator: "")
        case .text: Swift.print(table(nodes, wide: false))
        case .wide: Swift.print(table(nodes, wide: true))
        }
    }

    /// A HOST column (after NAME) when the nodes were listed over several hosts.
    static func table(_ nodes: [NodeSummary], wide: Bool) -> String {
        let hosts = nodes.contains { $0.guest.host != nil }
        var header = ["NAME"] + (hosts ? ["HOST"] : []) + ["STATUS", "ROLES", "VM", "VCPUS", "MEMORY", "NODE-CPU", "NODE-MEMORY", "POOL"]
        if wide { header += ["MAX-VCPUS", "MAX-MEMORY", "INTERNAL-IP", "KUBELET", "JOIN", "UUID"] }
        let rows = nodes.map { node in
            var row = [node.name] + (hosts ? [node.guest.host ?? "-"] : [])
            row += [
                status(node), node.roles.isEmpty ? "<none>" : node.roles.joined(separator: ","), node.guest.state,
                "\(node.guest.vcpus)", Rendering.bytes(node.guest.memoryBytes), node.capacity?.cpu ?? "-",
                node.capacity?.memoryBytes.map { Rendering.bytes(UInt64(max(0, $0))) } ?? "-", node.guest.nodePool ?? "-",
            ]
            if wide {
                row += [
                    "\(node.guest.maxVCPUs)", Rendering.bytes(node.guest.maxMemoryBytes), node.internalIP ?? "-",
                    node.kubeletVersion ?? "-", node.guest.join ?? "-", node.guest.uuid,
                ]
            }
            return row
        }
        return Rendering.table(header, rows)
    }

    /// `Ready`, `Ready,SchedulingDisabled`, `NotReady`, `Missing` (no Node object).
    static func status(_ node: NodeSummary) -> String {
        node.cordoned ? "\(node.nodeStatus),SchedulingDisabled" : node.nodeStatus
    }
}
