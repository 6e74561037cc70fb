import Foundation

/// An arbitrary JSON document, the stand-in's representation of every stored object.
///
/// Objects are kept as plain JSON rather than typed models: the server only reads the few fields it
/// acts on (metadata, selectors, phases) and keeps everything else a client sent, like the real
/// API server does for fields it does not know.
enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])
}

extension JSON: Codable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSON].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSON {
    /// Parses a request body; `nil` when it is not JSON.
    static func parse(_ bytes: some Collection<UInt8>) -> JSON? {
        try? JSONDecoder().decode(JSON.self, from: Data(bytes))
    }

    /// Compact JSON with sorted keys (stable output for tests and signatures).
    func serialized() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a JSON value cannot fail: every case maps to a JSON primitive.
        return (try? encoder.encode(self)) ?? Data("null".utf8)
    }

    var serializedString: String { String(decoding: serialized(), as: UTF8.self) }

    subscript(key: String) -> JSON? {
        get {
            guard case .object(let fields) = self else { return nil }
            return fields[key]
        }
        set {
            guard case .object(var fields) = self else { return }
            fields[key] = newValue
            self = .object(fields)
        }
    }

    /// The value at a path of object keys, e.g. `["metadata", "name"]`.
    subscript(path path: [String]) -> JSON? {
        get {
            var current: JSON? = self
            for key in path { current = current?[key] }
            return current
        }
        set {
            guard let first = path.first else {
                if let newValue { self = newValue }
                return
            }
            guard case .object = self else { return }
            var child = self[first] ?? .object([:])
            if path.count == 1 {
                self[first] = newValue
                return
            }
            if case .object = child {} else { child = .object([:]) }
            child[path: Array(path.dropFirst())] = newValue
            self[first] = child
        }
    }

    var string: String? {
        guard case .string(let value) = self else { return nil }
        return value
    }

    var object: [String: JSON]? {
        guard case .object(let value) = self else { return nil }
        return value
    }

    var array: [JSON]? {
        guard case .array(let value) = self else { return nil }
        return value
    }

    var int: Int? {
        switch self {
        case .int(let value): return Int(value)
        case .double(let value) where value == value.rounded(): return Int(value)
        default: return nil
        }
    }

    var bool: Bool? {
        guard case .bool(let value) = self else { return nil }
        return value
    }

    /// A `[String: String]` map such as labels, annotations or Secret data.
    var stringMap: [String: String] {
        guard let fields = object else { return [:] }
        return fields.compactMapValues(\.string)
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByNilLiteral
{
    init(stringLiteral value: String) { self = .string(value) }
    init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    init(arrayLiteral elements: JSON...) { self = .array(elements) }
    init(integerLiteral value: Int64) { self = .int(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(nilLiteral: ()) { self = .null }
}

extension JSON {
    static func strings(_ values: [String]) -> JSON { .array(values.map(JSON.string)) }
    static func stringMap(_ values: [String: String]) -> JSON { .object(values.mapValues(JSON.string)) }
}
