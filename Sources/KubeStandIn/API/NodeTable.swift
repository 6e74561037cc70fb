import Foundation

/// The `meta.k8s.io/v1` Table the API server sends for nodes when a client asks for it
/// (`Accept: application/json;as=Table;…`, as `kubectl get` does): the columns and cells of the
/// real server's node printer (NAME, STATUS, ROLES, AGE, VERSION; with -o wide also INTERNAL-IP,
/// EXTERNAL-IP, OS-IMAGE, KERNEL-VERSION, CONTAINER-RUNTIME), each row carrying the node's
/// metadata as PartialObjectMetadata.
enum NodeTable {
    /// Whether `accept` asks for a Table.
    static func wanted(accept: String?) -> Bool {
        accept?.split(separator: ",").contains { $0.contains("as=Table") } ?? false
    }

    static let columns: [(name: String, priority: Int, description: String)] = [
        ("Name", 0, "Name must be unique within a namespace."),
        ("Status", 0, "The status of the node"),
        ("Roles", 0, "The roles of the node"),
        ("Age", 0, "CreationTimestamp is a timestamp representing the server time when this object was created."),
        ("Version", 0, "Kubelet Version reported by the node."),
        ("Internal-IP", 1, "List of addresses reachable to the node. Queried from cloud provider, if available."),
        ("External-IP", 1, "List of addresses reachable to the node. Queried from cloud provider, if available."),
        ("OS-Image", 1, "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."),
        ("Kernel-Version", 1, "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
        ("Container-Runtime", 1, "Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2)."),
    ]

    static func table(_ nodes: [JSON], resourceVersion: Int, now: Date = Date()) -> JSON {
        .object([
            "kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "metadata": ["resourceVersion": .string(String(resourceVersion))],
            "columnDefinitions": .array(columns.map { column in
                .object([
                    "name": .string(column.name), "type": "string", "format": column.name == "Name" ? "name" : "",
                    "description": .string(column.description), "priority": .int(Int64(column.priority)),
                ])
            }),
            "rows": .array(nodes.map { row($0, now: now) }),
        ])
    }

    static func row(_ node: JSON, now: Date) -> JSON {
        let metadata = node["metadata"] ?? .object([:])
        let info = node[path: ["status", "nodeInfo"]]
        let text = { (key: String) -> JSON in .string(info?[key]?.string.flatMap { $0.isEmpty ? nil : $0 } ?? "<unknown>") }
        return .object([
            "cells": .array([
                .string(metadata["name"]?.string ?? ""), .string(status(node)), .string(roles(node)),
                .string(age(metadata["creationTimestamp"]?.string, now: now)), .string(info?["kubeletVersion"]?.string ?? ""),
                .string(address(node, type: "InternalIP")), .string(address(node, type: "ExternalIP")),
                text("osImage"), text("kernelVersion"), text("containerRuntimeVersion"),
            ]),
            "object": ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": metadata],
        ])
    }

    /// `Ready`, `NotReady` or `Unknown`, with `,SchedulingDisabled` when cordoned.
    static func status(_ node: JSON) -> String {
        let ready = node[path: ["status", "conditions"]]?.array?.first { $0["type"]?.string == "Ready" }
        var text =
            switch ready?["status"]?.string {
            case "True": "Ready"
            case "False": "NotReady"
            default: "Unknown"
            }
        if node[path: ["spec", "unschedulable"]] == .bool(true) { text += ",SchedulingDisabled" }
        return text
    }

    /// The `node-role.kubernetes.io/ROLE` labels (and `kubernetes.io/role`), sorted, or `<none>`.
    static func roles(_ node: JSON) -> String {
        guard case .object(let labels)? = node[path: ["metadata", "labels"]] else { return "<none>" }
        var roles = Set<String>()
        for (key, value) in labels {
            if key.hasPrefix("node-role.kubernetes.io/") {
                let role = String(key.dropFirst("node-role.kubernetes.io/".count))
                if !role.isEmpty { roles.insert(role) }
            } else if key == "kubernetes.io/role", let role = value.string, !role.isEmpty {
                roles.insert(role)
            }
        }
        return roles.isEmpty ? "<none>" : roles.sorted().joined(separator: ",")
    }

    static func address(_ node: JSON, type: String) -> String {
        node[path: ["status", "addresses"]]?.array?.first { $0["type"]?.string == type }?["address"]?.string ?? "<none>"
    }

    /// kubectl's HumanDuration of the time since `timestamp`: `45s`, `5m3s`, `47m`, `5h20m`, `3d4h`, `12d`, `2y30d`.
    static func age(_ timestamp: String?, now: Date) -> String {
        guard let timestamp, let created = ISO8601DateFormatter().date(from: timestamp) else { return "<unknown>" }
        let seconds = max(0, Int(now.timeIntervalSince(created)))
        let minutes = seconds / 60, hours = seconds / 3600, days = hours / 24
        switch seconds {
        case ..<120: return "\(seconds)s"
        case ..<600: return seconds % 60 == 0 ? "\(minutes)m" : "\(minutes)m\(seconds % 60)s"
        case ..<(3 * 3600): return "\(minutes)m"
        case ..<(8 * 3600): return minutes % 60 == 0 ? "\(hours)h" : "\(hours)h\(minutes % 60)m"
        case ..<(48 * 3600): return "\(hours)h"
        case ..<(8 * 86400): return hours % 24 == 0 ? "\(days)d" : "\(days)d\(hours % 24)h"
        case ..<(2 * 365 * 86400): return "\(days)d"
        case ..<(8 * 365 * 86400): return (days % 365) == 0 ? "\(days / 365)y" : "\(days / 365)y\(days % 365)d"
        default: return "\(days / 365)y"
        }
    }
}
