import DomainTemplates
import Yams

/// Reads composed YAML nodes field by field, collecting an issue (field path, line and column) for
/// every problem instead of stopping at the first, so one run names everything wrong in a file.
///
/// Readers return nil when a value is absent or wrong; the issue is already recorded then.
struct SpecReader {
    let file: String?
    private(set) var issues: [ClusterSpecError.Issue] = []

    init(file: String?) { self.file = file }

    /// A mapping being read: its known fields by name, and where it starts (for missing fields).
    struct Fields {
        var path: String
        var mark: Mark?
        var values: [String: Node]

        subscript(key: String) -> Node? { values[key] }
        func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    }

    mutating func report(_ mark: Mark?, _ path: String, _ message: String) {
        issues.append(.init(file: file, line: mark?.line, column: mark?.column, path: path, message: message))
    }

    mutating func report(_ node: Node, _ path: String, _ message: String) {
        report(node.mark, path, message)
    }

    // MARK: Structure

    /// `node` as a mapping whose keys are all in `known`; every other key is reported (with the
    /// closest known name when one is close), and so are merge keys and non-string keys.
    mutating func mapping(_ node: Node, at path: String, known: [String]) -> Fields? {
        guard case .mapping(let mapping) = node else {
            report(node, path, "expected a mapping (key: value lines), found \(Self.describe(node))")
            return nil
        }
        var fields = Fields(path: path, mark: node.mark, values: [:])
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key, key.tag == Tag(.str) || key.tag == Tag(.merge) else {
                report(key, path, "keys must be field names, found \(Self.describe(key))")
                continue
            }
            let name = scalar.string
            if name == "<<" {
                report(key, fields.path(name), "merge keys (<<) are not supported; write the fields out (an alias for a whole value is fine)")
            } else if known.contains(name) {
                fields.values[name] = value
            } else {
                let hint = FieldSuggestion.closest(to: name, in: known).map { "; did you mean \"\($0)\"?" } ?? ""
                let list = known.map { "\"\($0)\"" }.joined(separator: ", ")
                report(key, fields.path(name), "unknown field \(ClusterSpecError.quote(name))\(hint) (known fields here: \(list))")
            }
        }
        return fields
    }

    /// The value of `key`, or nil when it is absent or null; when `required`, absence is reported.
    mutating func field(_ fields: Fields, _ key: String, required: Bool = false) -> Node? {
        if let node = fields[key], !Self.isNull(node) { return node }
        if required {
            report(fields[key]?.mark ?? fields.mark, fields.path(key), "required field is missing")
        }
        return nil
    }

    /// The items of a list (nil when it is something else, reported).
    mutating func list(_ node: Node, at path: String) -> [Node]? {
        guard case .sequence(let sequence) = node else {
            report(node, path, "expected a list, found \(Self.describe(node))")
            return nil
        }
        return Array(sequence)
    }

    // MARK: Scalars

    /// A string (a plain or quoted YAML string; numbers, booleans and null are refused so that
    /// `1.30` is never silently taken as text). Empty strings are refused unless `allowEmpty`.
    mutating func string(_ node: Node, at path: String, allowEmpty: Bool = false) -> String? {
        guard case .scalar(let scalar) = node, node.tag == Tag(.str) else {
            var message = "expected a string, found \(Self.describe(node))"
            if case .scalar(let scalar) = node, !Self.isNull(node) { message += " (quote it: \(ClusterSpecError.quote(scalar.string)))" }
            report(node, path, message)
            return nil
        }
        guard allowEmpty || !scalar.string.isEmpty else {
            report(node, path, "must not be empty (leave the field out instead)")
            return nil
        }
        return scalar.string
    }

    /// A YAML integer (a quoted number is a string, and refused).
    mutating func int(_ node: Node, at path: String) -> Int? {
        guard node.tag == Tag(.int), let value = node.int else {
            var message = "expected an integer, found \(Self.describe(node))"
            if case .scalar(let scalar) = node, node.tag == Tag(.str), Int(scalar.string) != nil {
                message += " (write it without quotes)"
            }
            report(node, path, message)
            return nil
        }
        return value
    }

    /// One of an enumeration's raw values.
    mutating func choice<T: RawRepresentable & CaseIterable>(_ node: Node, at path: String, _: T.Type) -> T?
    where T.RawValue == String {
        guard let text = string(node, at: path) else { return nil }
        if let value = T(rawValue: text) { return value }
        let names = T.allCases.map(\.rawValue)
        let hint = FieldSuggestion.closest(to: text, in: names).map { "; did you mean \"\($0)\"?" } ?? ""
        report(node, path, "\(ClusterSpecError.quote(text)) is not one of \(names.joined(separator: ", "))\(hint)")
        return nil
    }

    /// A size like `2GiB` (a bare integer is bytes).
    mutating func size(_ node: Node, at path: String) -> ByteSize? {
        if node.tag == Tag(.int), let bytes = node.int {
            guard bytes >= 0 else {
                report(node, path, "\(bytes) is not a size: it is negative")
                return nil
            }
            return ByteSize(bytes: UInt64(bytes))
        }
        guard let text = string(node, at: path) else { return nil }
        do {
            return try ByteSize(parsing: text)
        } catch {
            report(node, path, "\(ClusterSpecError.quote(text)) is not a size: \(error.reason) (examples: 512MiB, 2GiB, 2G)")
            return nil
        }
    }

    /// A list of strings.
    mutating func strings(_ node: Node, at path: String) -> [(text: String, node: Node)]? {
        guard let items = list(node, at: path) else { return nil }
        var result: [(String, Node)] = []
        for (index, item) in items.enumerated() {
            if let text = string(item, at: "\(path)[\(index)]") { result.append((text, item)) }
        }
        return result
    }

    // MARK: Descriptions

    static func isNull(_ node: Node) -> Bool {
        node.tag == Tag(.null)
    }

    /// What the node is, for messages: `a list`, `the string "2"`, `the number 1.30`, …
    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            let quoted = ClusterSpecError.quote(scalar.string)
            switch node.tag {
            case Tag(.null): return "null"
            case Tag(.bool): return "the boolean \(scalar.string)"
            case Tag(.int), Tag(.float): return "the number \(scalar.string)"
            case Tag(.str): return "the string \(quoted)"
            default: return "the value \(quoted) (\(node.tag))"
            }
        }
    }
}
