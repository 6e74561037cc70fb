import Foundation
import struct KubeClient.YAMLProblem
import Yams

/// Merging a cluster's kubeconfig into the user's, and taking it out again, the way `kind` does:
/// the cluster, user and context entries named `kinvm-CLUSTER` replace any of the same name, the
/// current context becomes the cluster's, and every other entry and field is kept. Removal drops
/// the three entries and clears the current context if it was the cluster's.
///
/// The edits work on parsed YAML nodes. The file is replaced atomically and is never readable by
/// others (``PrivateFile``): an existing file keeps its mode and owner, a new one is 0600. A file
/// that does not parse is reported by position only: its lines may hold tokens.
public enum KubeconfigMerge {
    /// The name of a cluster's context (and of its cluster and user entries).
    public static func contextName(cluster: String) -> String { "kinvm-\(cluster)" }

    /// The file `--merge` writes: the first file of `KUBECONFIG` (as kubectl writes new entries
    /// there), else `~/.kube/config`.
    public static func targetPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let list = environment["KUBECONFIG"], let first = list.split(separator: ":").first(where: { !$0.isEmpty }) {
            return String(first)
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.kube/config"
    }

    /// `existing` (nil or empty: a new kubeconfig) with the entries of `kubeconfig` merged in;
    /// `kubeconfig` must hold exactly one cluster, user and context.
    public static func merged(_ kubeconfig: String, into existing: String?, path: String) throws(ProvisionerError) -> String {
        let source = try parse(kubeconfig, what: "the cluster's kubeconfig")
        var target = try parse(existing ?? "", what: "kubeconfig \(path)")
        guard let context = single(source, "contexts"), let name = context["name"]?.string else {
            throw ProvisionerError(.invalidArgument, "the cluster's kubeconfig must hold exactly one context")
        }
        for section in ["clusters", "users", "contexts"] {
            guard let entry = single(source, section) else {
                throw ProvisionerError(.invalidArgument, "the cluster's kubeconfig must hold exactly one entry in \(section)")
            }
            var list = entries(target, section).filter { $0["name"]?.string != entry["name"]?.string }
            list.append(entry)
            target[Node(section)] = .sequence(Node.Sequence(list))
        }
        target["current-context"] = Node(name, Tag(.str), .doubleQuoted)
        return try serialize(target, path: path)
    }

    /// `existing` without the cluster's entries; nil when it had none (nothing to write).
    public static func removing(cluster: String, from existing: String, path: String) throws(ProvisionerError) -> String? {
        let name = contextName(cluster: cluster)
        var target = try parse(existing, what: "kubeconfig \(path)")
        var changed = false
        for section in ["clusters", "users", "contexts"] {
            let list = entries(target, section)
            let kept = list.filter { $0["name"]?.string != name }
            if kept.count != list.count {
                changed = true
                target[Node(section)] = .sequence(Node.Sequence(kept))
            }
        }
        if target["current-context"]?.string == name {
            changed = true
            target["current-context"] = Node("", Tag(.str), .doubleQuoted)
        }
        return changed ? try serialize(target, path: path) : nil
    }

    /// Merges into the file at `path` (created with its directory when missing), mode 0600.
    public static func mergeFile(_ kubeconfig: String, path: String) throws(ProvisionerError) {
        let existing = try read(path)
        try write(try merged(kubeconfig, into: existing, path: path), to: path)
    }

    /// Removes the cluster's entries from the file at `path`; false when there were none (or no file).
    @discardableResult
    public static func removeFromFile(cluster: String, path: String) throws(ProvisionerError) -> Bool {
        guard let existing = try read(path), let updated = try removing(cluster: cluster, from: existing, path: path) else {
            return false
        }
        try write(updated, to: path)
        return true
    }

    // MARK: YAML

    static func parse(_ text: String, what: String) throws(ProvisionerError) -> Node {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            // Never `\(error)`: Yams quotes the offending line, which may hold a token.
            throw ProvisionerError(.invalidArgument, YAMLProblem(error).described(file: what) + "; nothing was changed")
        }
        guard let node else {
            return .mapping(
                Node.Mapping([
                    (Node("apiVersion"), Node("v1")), (Node("kind"), Node("Config")), (Node("preferences"), .mapping(Node.Mapping([]))),
                ]))
        }
        guard node.mapping != nil else { throw ProvisionerError(.invalidArgument, "\(what) is not a kubeconfig (not a YAML mapping)") }
        return node
    }

    static func entries(_ node: Node, _ section: String) -> [Node] { node[section]?.sequence.map(Array.init) ?? [] }

    static func single(_ node: Node, _ section: String) -> Node? {
        let list = entries(node, section)
        return list.count == 1 ? list[0] : nil
    }

    static func serialize(_ node: Node, path: String) throws(ProvisionerError) -> String {
        do {
            return try Yams.serialize(node: node)
        } catch {
            throw ProvisionerError(.invalidArgument, "cannot write kubeconfig \(path): \(error)")
        }
    }

    // MARK: Files

    static func read(_ path: String) throws(ProvisionerError) -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ProvisionerError(.fileUnreadable, "cannot read kubeconfig \(path): \(error.localizedDescription)")
        }
    }

    /// Writes through a private temporary file, then renames (``PrivateFile``).
    static func write(_ text: String, to path: String, afterWrite: (String) -> Void = { _ in }) throws(ProvisionerError) {
        try PrivateFile.replace(path, with: text, afterWrite: afterWrite)
    }
}
