import Foundation

extension ClusterPlan {
    /// One action as `cluster apply` shows it and `-o json` prints it.
    public struct Entry: Sendable, Hashable, Codable {
        /// `add`, `replace`, `resize`, `start`, `uncordon`, `relabel` or `remove`.
        public var op: String
        public var node: String
        /// What changes, in words.
        public var detail: String
    }

    public var entries: [Entry] {
        actions.map { action in
            switch action {
            case .add(let node):
                Entry(op: "add", node: node.name, detail: "\(node.group): \(node.sizes)")
            case .replace(let node, let reason):
                Entry(op: "replace", node: node.name, detail: "\(node.group): \(reason); made again with \(node.sizes)")
            case .resize(_, let from, let to, let method):
                Entry(op: "resize", node: action.nodeName, detail: "\(Self.sizeChange(from, to)) (\(Self.describe(method)))")
            case .start:
                Entry(op: "start", node: action.nodeName, detail: "the guest is shut off: start it and wait until the Node is Ready")
            case .uncordon:
                Entry(op: "uncordon", node: action.nodeName, detail: "kinvm cordoned it and was interrupted before uncordoning")
            case .relabel(_, let labels, let taints):
                Entry(
                    op: "relabel", node: action.nodeName,
                    detail: (labels.map { "label \($0)" } + taints.map { "taint \($0)" }).joined(separator: ", "))
            case .remove(_, let group):
                Entry(op: "remove", node: action.nodeName, detail: "\(group): drain, delete the Node and the guest")
            }
        }
    }

    /// The plan like a diff: `+` add, `±` replace, `~` change, `-` remove, `!` notes, then a count.
    public func rendered() -> String { Self.rendered(entries: entries, notes: notes) }

    /// `Plan: 1 to add, 2 to remove.` or `No changes: the cluster matches the spec.`
    public var summary: String { Self.summary(of: entries) }

    /// A plan's entries and notes like a diff (also for a plan carried in a result).
    public static func rendered(entries: [Entry], notes: [String]) -> String {
        let symbols = ["add": "+", "replace": "±", "resize": "~", "start": "~", "uncordon": "~", "relabel": "~", "remove": "-"]
        let width = entries.map(\.node.count).max() ?? 0
        var lines = entries.map { entry in
            "\(symbols[entry.op] ?? "?") \(entry.node.padding(toLength: width, withPad: " ", startingAt: 0))  \(entry.op): \(entry.detail)"
        }
        lines += notes.map { "! \($0)" }
        lines.append(summary(of: entries))
        return lines.joined(separator: "\n")
    }

    static func summary(of entries: [Entry]) -> String {
        guard !entries.isEmpty else { return "No changes: the cluster matches the spec." }
        let counts = ["add", "replace", "resize", "start", "uncordon", "relabel", "remove"].compactMap { op -> String? in
            let count = entries.filter { $0.op == op }.count
            return count == 0 ? nil : "\(count) to \(op)"
        }
        return "Plan: " + counts.joined(separator: ", ") + "."
    }

    static func sizeChange(_ from: NodeSizes, _ to: NodeSizes) -> String {
        var parts: [String] = []
        if from.vcpus != to.vcpus { parts.append("vCPUs \(from.vcpus) -> \(to.vcpus)") }
        if from.memory != to.memory { parts.append("memory \(from.memory) -> \(to.memory)") }
        return parts.joined(separator: ", ")
    }

    static func describe(_ method: ResizeMethod) -> String {
        switch method {
        case .live: "live"
        case .restart: "by a restart: cordon, drain, stop, start, uncordon"
        case .offline: "the guest is shut off: its config is changed, then it starts"
        }
    }
}
