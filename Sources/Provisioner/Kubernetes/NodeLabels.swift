/// A Kubernetes label (`key=value`) for a node, checked the way the API server checks it.
public struct NodeLabel: Sendable, Hashable, Codable, CustomStringConvertible {
    public var key: String
    public var value: String

    public init(key: String, value: String) throws(ProvisionerError) {
        if let problem = KubernetesNames.labelKeyProblem(key) {
            throw ProvisionerError(.invalidArgument, "label key '\(key)' is not valid: \(problem)")
        }
        if let problem = KubernetesNames.labelValueProblem(value) {
            throw ProvisionerError(.invalidArgument, "value '\(value)' of label '\(key)' is not valid: \(problem)")
        }
        self.key = key
        self.value = value
    }

    /// `key=value` (a bare `key` means an empty value, as `kubectl label` takes it).
    public init(parsing text: String) throws(ProvisionerError) {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        try self.init(key: String(parts[0]), value: parts.count > 1 ? String(parts[1]) : "")
    }

    /// `a=b,c=d`; later keys replace earlier ones.
    public static func parseList(_ text: String) throws(ProvisionerError) -> [NodeLabel] {
        var labels: [NodeLabel] = []
        for item in text.split(separator: ",") where !item.allSatisfy(\.isWhitespace) {
            let label = try NodeLabel(parsing: item.trimmingCharacters(in: .whitespaces))
            labels.removeAll { $0.key == label.key }
            labels.append(label)
        }
        return labels
    }

    /// Labels the kubelet may not set on its own Node (the NodeRestriction admission plugin
    /// refuses them); kinvm sets these through the API once the Node exists.
    public var kubeletMaySet: Bool {
        let prefix = key.split(separator: "/", maxSplits: 1).count == 2 ? String(key.split(separator: "/")[0]) : ""
        let restricted = ["node-role.kubernetes.io", "node-restriction.kubernetes.io"]
        return !restricted.contains { prefix == $0 || prefix.hasSuffix("." + $0) }
    }

    public var description: String { "\(key)=\(value)" }
}

/// A node taint (`key=value:Effect` or `key:Effect`).
public struct NodeTaint: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Effect: String, Sendable, Hashable, Codable, CaseIterable {
        case noSchedule = "NoSchedule", preferNoSchedule = "PreferNoSchedule", noExecute = "NoExecute"
    }

    public var key: String
    public var value: String
    public var effect: Effect

    public init(key: String, value: String = "", effect: Effect) throws(ProvisionerError) {
        if let problem = KubernetesNames.labelKeyProblem(key) {
            throw ProvisionerError(.invalidArgument, "taint key '\(key)' is not valid: \(problem)")
        }
        if let problem = KubernetesNames.labelValueProblem(value) {
            throw ProvisionerError(.invalidArgument, "value '\(value)' of taint '\(key)' is not valid: \(problem)")
        }
        self.key = key
        self.value = value
        self.effect = effect
    }

    public init(parsing text: String) throws(ProvisionerError) {
        guard let colon = text.lastIndex(of: ":") else {
            throw ProvisionerError(
                .invalidArgument,
                "taint '\(text)' has no effect: write key=value:Effect or key:Effect (Effect is NoSchedule, PreferNoSchedule or NoExecute)")
        }
        let effectText = String(text[text.index(after: colon)...])
        guard let effect = Effect(rawValue: effectText) else {
            throw ProvisionerError(
                .invalidArgument,
                "taint '\(text)' has effect '\(effectText)'; it must be NoSchedule, PreferNoSchedule or NoExecute")
        }
        let head = text[..<colon].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        try self.init(key: String(head[0]), value: head.count > 1 ? String(head[1]) : "", effect: effect)
    }

    /// `a=b:NoSchedule,c:NoExecute`.
    public static func parseList(_ text: String) throws(ProvisionerError) -> [NodeTaint] {
        var taints: [NodeTaint] = []
        for item in text.split(separator: ",") where !item.allSatisfy(\.isWhitespace) {
            let taint = try NodeTaint(parsing: item.trimmingCharacters(in: .whitespaces))
            taints.removeAll { $0.key == taint.key && $0.effect == taint.effect }
            taints.append(taint)
        }
        return taints
    }

    /// `key=value:Effect` (`key:Effect` without a value), as kubelet's `--register-with-taints` and k3s take it.
    public var description: String { value.isEmpty ? "\(key):\(effect.rawValue)" : "\(key)=\(value):\(effect.rawValue)" }
}
