/// Label selectors: the query-string form (`app=web,tier!=db,env,!legacy,zone in (a,b)`) and the
/// `metav1.LabelSelector` object form used by PodDisruptionBudgets.
struct LabelSelector: Sendable, Equatable {
    enum Requirement: Sendable, Equatable {
        case equals(String, String)
        case notEquals(String, String)
        case exists(String)
        case doesNotExist(String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
    }

    var requirements: [Requirement]

    static let everything = LabelSelector(requirements: [])

    init(requirements: [Requirement]) { self.requirements = requirements }

    /// Parses the `labelSelector` query parameter; nil when malformed.
    init?(parsing text: String) {
        var requirements: [Requirement] = []
        for term in LabelSelector.splitTopLevel(text) {
            let term = term.trimmingCharacters(in: .whitespaces)
            if term.isEmpty { continue }
            guard let requirement = LabelSelector.parseTerm(term) else { return nil }
            requirements.append(requirement)
        }
        self.requirements = requirements
    }

    /// The object form; nil for a missing selector (which selects nothing).
    init?(object: JSON?) {
        guard let object, case .object = object else { return nil }
        var requirements = object["matchLabels"]?.stringMap.sorted { $0.key < $1.key }.map { Requirement.equals($0.key, $0.value) } ?? []
        for expression in object["matchExpressions"]?.array ?? [] {
            guard let key = expression["key"]?.string, let op = expression["operator"]?.string else { return nil }
            let values = Set((expression["values"]?.array ?? []).compactMap(\.string))
            switch op {
            case "In": requirements.append(.isIn(key, values))
            case "NotIn": requirements.append(.notIn(key, values))
            case "Exists": requirements.append(.exists(key))
            case "DoesNotExist": requirements.append(.doesNotExist(key))
            default: return nil
            }
        }
        self.requirements = requirements
    }

    func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { requirement in
            switch requirement {
            case .equals(let key, let value): return labels[key] == value
            case .notEquals(let key, let value): return labels[key] != value
            case .exists(let key): return labels[key] != nil
            case .doesNotExist(let key): return labels[key] == nil
            case .isIn(let key, let values): return labels[key].map(values.contains) ?? false
            case .notIn(let key, let values): return labels[key].map { !values.contains($0) } ?? true
            }
        }
    }

    private static func parseTerm(_ term: String) -> Requirement? {
        if let range = term.range(of: " notin ") {
            return setTerm(term, range).map { .notIn($0.0, $0.1) }
        }
        if let range = term.range(of: " in ") {
            return setTerm(term, range).map { .isIn($0.0, $0.1) }
        }
        if let range = term.range(of: "!=") {
            return pair(term, range).map { .notEquals($0.0, $0.1) }
        }
        if let range = term.range(of: "==") ?? term.range(of: "=") {
            return pair(term, range).map { .equals($0.0, $0.1) }
        }
        if term.hasPrefix("!") {
            let key = term.dropFirst().trimmingCharacters(in: .whitespaces)
            return isKey(key) ? .doesNotExist(key) : nil
        }
        return isKey(term) ? .exists(term) : nil
    }

    private static func pair(_ term: String, _ range: Range<String.Index>) -> (String, String)? {
        let key = term[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
        let value = term[range.upperBound...].trimmingCharacters(in: .whitespaces)
        return isKey(key) ? (key, value) : nil
    }

    private static func setTerm(_ term: String, _ range: Range<String.Index>) -> (String, Set<String>)? {
        let key = term[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
        let list = term[range.upperBound...].trimmingCharacters(in: .whitespaces)
        guard isKey(key), list.hasPrefix("("), list.hasSuffix(")") else { return nil }
        let values = list.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return (key, Set(values))
    }

    private static func isKey(_ key: String) -> Bool {
        !key.isEmpty && key.allSatisfy { $0.isLetter || $0.isNumber || "-_./".contains($0) }
    }

    /// Splits at commas outside parentheses.
    static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            switch character {
            case "(": depth += 1
            case ")": depth -= 1
            case "," where depth == 0:
                parts.append(current)
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        parts.append(current)
        return parts
    }
}

/// Field selectors: `metadata.name=w1`, `spec.nodeName!=w2`, `metadata.namespace==default`.
struct FieldSelector: Sendable, Equatable {
    struct Requirement: Sendable, Equatable {
        var field: String
        var value: String
        var negated: Bool
    }

    static let supportedFields: Set<String> = ["metadata.name", "metadata.namespace", "spec.nodeName", "status.phase", "spec.unschedulable"]

    var requirements: [Requirement]

    /// Parses the `fieldSelector` query parameter; nil when malformed or naming an unsupported field.
    init?(parsing text: String) {
        var requirements: [Requirement] = []
        for term in text.split(separator: ",").map(String.init) where !term.isEmpty {
            let negated = term.contains("!=")
            let separator = negated ? "!=" : (term.contains("==") ? "==" : "=")
            guard let range = term.range(of: separator) else { return nil }
            let field = String(term[..<range.lowerBound])
            guard FieldSelector.supportedFields.contains(field) else { return nil }
            requirements.append(Requirement(field: field, value: String(term[range.upperBound...]), negated: negated))
        }
        self.requirements = requirements
    }

    func matches(_ object: JSON) -> Bool {
        requirements.allSatisfy { requirement in
            let actual = FieldSelector.value(of: requirement.field, in: object)
            return (actual == requirement.value) != requirement.negated
        }
    }

    static func value(of field: String, in object: JSON) -> String {
        let node = object[path: field.split(separator: ".").map(String.init)]
        switch node {
        case .string(let value): return value
        case .bool(let value): return value ? "true" : "false"
        default: return field == "spec.unschedulable" ? "false" : ""
        }
    }
}

import Foundation
