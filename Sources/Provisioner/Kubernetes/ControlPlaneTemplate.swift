import Foundation
import Yams

/// A control-plane configuration template (`Templates/kubernetes/k3s-server.yaml`,
/// `kubeadm-init.yaml`), found like the join templates: a path, or `DIR/kubernetes/NAME.yaml` in
/// each directory of the template search path (the user's `~/.config/kinvm/templates` first).
/// The fields kinvm manages are set through the parsed YAML tree; everything else is kept.
public struct ControlPlaneTemplate: Sendable {
    public var path: String
    public var text: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }

    /// `reference` is a path (when it contains '/' or ends in .yaml) or a template name looked up
    /// as `DIR/kubernetes/NAME.yaml` in each directory of `searchPath`, first match winning.
    public static func find(_ reference: String, searchPath: [String]) throws(ProvisionerError) -> ControlPlaneTemplate {
        do throws(ProvisionerError) {
            let found = try JoinTemplate.find(reference, searchPath: searchPath)
            return ControlPlaneTemplate(path: found.path, text: found.text)
        } catch {
            throw renamed(error)
        }
    }

    /// Every YAML document of the template, each a mapping.
    func documents() throws(ProvisionerError) -> [Node] {
        var nodes: [Node] = []
        do {
            var sequence = try Yams.compose_all(yaml: text)
            while let node = sequence.next() { nodes.append(node) }
            if let error = sequence.error { throw error }
        } catch {
            throw ProvisionerError(.template, "control-plane template \(path) is not valid YAML: \(error)")
        }
        guard !nodes.isEmpty else {
            throw ProvisionerError(.template, "control-plane template \(path) is empty")
        }
        for (index, node) in nodes.enumerated() {
            guard case .mapping = node else {
                let which = nodes.count > 1 ? "document \(index + 1) of " : ""
                throw ProvisionerError(.template, "\(which)control-plane template \(path) must be a YAML mapping")
            }
        }
        return nodes
    }

    static func serialize(_ nodes: [Node], path: String) throws(ProvisionerError) -> String {
        do {
            return try Yams.serialize(nodes: nodes, indent: 2, width: -1)
        } catch {
            throw ProvisionerError(.template, "cannot write the control-plane configuration from \(path): \(error)")
        }
    }

    /// The shared YAML helpers speak of "join template"; here it is a control-plane template.
    static func renamed(_ error: ProvisionerError) -> ProvisionerError {
        var error = error
        error.message = error.message.replacingOccurrences(of: "join template", with: "control-plane template")
        return error
    }
}

extension ControlPlaneTemplate {
    /// `YAMLNodes.set`, with this template's wording in errors.
    static func set(_ value: Node, at keys: [String], in node: inout Node, path: String) throws(ProvisionerError) {
        do throws(ProvisionerError) { try YAMLNodes.set(value, at: keys, in: &node, path: path) } catch { throw renamed(error) }
    }

    /// `YAMLNodes.sequence`, with this template's wording in errors.
    static func sequence(at keys: [String], in node: Node, path: String) throws(ProvisionerError) -> [Node] {
        do throws(ProvisionerError) { return try YAMLNodes.sequence(at: keys, in: node, path: path) } catch { throw renamed(error) }
    }
}
