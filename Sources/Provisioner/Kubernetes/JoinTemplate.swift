import Foundation
import Yams

/// A join configuration template (`Templates/kubernetes/*.yaml`): found along the template search
/// path, parsed, the fields kinvm manages set through the YAML tree (never by text substitution),
/// everything else kept.
public struct JoinTemplate: Sendable {
    public var path: String
    public var text: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }

    /// `reference` is a path (when it contains '/' or ends in .yaml) or a template name looked up
    /// as `DIR/kubernetes/NAME.yaml` in each directory of `searchPath`, first match winning.
    public static func find(_ reference: String, searchPath: [String]) throws(ProvisionerError) -> JoinTemplate {
        let candidates: [String]
        if reference.contains("/") || reference.hasSuffix(".yaml") || reference.hasSuffix(".yml") {
            candidates = [reference]
        } else {
            candidates = searchPath.map { ($0 as NSString).appendingPathComponent("kubernetes/\(reference).yaml") }
        }
        for path in candidates where FileManager.default.fileExists(atPath: path) {
            let text: String
            do {
                text = try BoundedFile.text(path, limit: .manifest, what: "join template")
            } catch {
                throw ProvisionerError(.template, error.message)
            }
            return JoinTemplate(path: path, text: text)
        }
        throw ProvisionerError(
            .template, "join template '\(reference)' not found (looked for \(candidates.joined(separator: ", ")))")
    }

    /// The template as a YAML mapping.
    func root() throws(ProvisionerError) -> Node {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ProvisionerError(.template, "join template \(path) is not valid YAML: \(error)")
        } catch {
            throw ProvisionerError(.template, "join template \(path) is not valid YAML: \(error)")
        }
        guard let node, case .mapping = node else {
            throw ProvisionerError(.template, "join template \(path) must be a YAML mapping")
        }
        return node
    }

    static func serialize(_ node: Node, path: String) throws(ProvisionerError) -> String {
        do {
            return try Yams.serialize(node: node, indent: 2, width: -1)
        } catch {
            throw ProvisionerError(.template, "cannot write the join configuration from \(path): \(error)")
        }
    }
}

/// YAML values built with explicit tags, so a value like `true`, `0600` or `1.30` stays a string.
enum YAMLNodes {
    static func string(_ value: String) -> Node { Node(value, Tag(.str), .doubleQuoted) }
    static func list(_ values: [Node]) -> Node { .sequence(Node.Sequence(values)) }
    static func mapping(_ pairs: [(String, Node)]) -> Node {
        .mapping(Node.Mapping(pairs.map { (string($0.0).withPlainKey, $0.1) }))
    }

    /// `node[a][b]… = value`, creating mappings on the way; throws when a step is not a mapping.
    static func set(_ value: Node, at keys: [String], in node: inout Node, path: String) throws(ProvisionerError) {
        guard let key = keys.first else {
            node = value
            return
        }
        guard case .mapping = node else {
            throw ProvisionerError(.template, "join template \(path): '\(key)' must be inside a mapping")
        }
        var child = node[key] ?? .mapping(Node.Mapping([]))
        if keys.count > 1, case .mapping = child {} else if keys.count > 1 {
            if case .scalar(let scalar) = child, scalar.string.isEmpty || scalar.tag == Tag(.null) {
                child = .mapping(Node.Mapping([]))
            } else {
                throw ProvisionerError(.template, "join template \(path): '\(key)' must be a mapping")
            }
        }
        try set(value, at: Array(keys.dropFirst()), in: &child, path: path)
        node[key] = child
    }

    /// The sequence at `keys` (empty when absent or null); throws when it is something else.
    static func sequence(at keys: [String], in node: Node, path: String) throws(ProvisionerError) -> [Node] {
        var current: Node? = node
        for key in keys { current = current?[key] }
        switch current {
        case nil: return []
        case .sequence(let sequence)?: return Array(sequence)
        case .scalar(let scalar)? where scalar.tag == Tag(.null) || scalar.string.isEmpty || scalar.string == "~":
            return []
        default:
            throw ProvisionerError(.template, "join template \(path): '\(keys.joined(separator: "."))' must be a list")
        }
    }
}

extension Node {
    /// A plain-style string key (keys never need quoting in these documents).
    fileprivate var withPlainKey: Node {
        guard case .scalar(var scalar) = self else { return self }
        scalar.style = .plain
        return .scalar(scalar)
    }
}
