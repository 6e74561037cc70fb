import Yams

/// How much YAML kinvm takes in. A composed document shares the node an alias names, so aliases
/// of aliases ("billion laughs") stay small until something walks or writes the tree out, which
/// then expands every alias: checked once, right after composing, before any walk.
public enum YAMLBounds {
    /// Nodes a document may have with every alias expanded: far above any real spec, cloud-config
    /// or kubeconfig, far below what takes noticeable time or memory.
    public static let maxExpandedNodes = 200_000

    /// Whether `node`, with every alias expanded, has more than `limit` nodes. Stops counting at
    /// the limit, so the check itself is bounded.
    public static func exceeds(_ node: Node, limit: Int = maxExpandedNodes) -> Bool {
        var count = 0
        var pending: [Node] = [node]
        while let next = pending.popLast() {
            count += 1
            if count > limit { return true }
            switch next {
            case .scalar, .alias: break
            case .mapping(let mapping):
                for (key, value) in mapping {
                    pending.append(key)
                    pending.append(value)
                }
            case .sequence(let sequence): pending.append(contentsOf: sequence)
            }
        }
        return false
    }

    /// The message for a document over the limit.
    public static func tooLarge(_ what: String) -> String {
        "\(what) expands to more than \(maxExpandedNodes) YAML nodes (aliases counted at each use); kinvm refuses it"
    }
}
