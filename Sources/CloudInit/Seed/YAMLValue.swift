/// A YAML value for keys kinvm does not model (``CloudConfig/extra``): scalars, lists and mappings.
///
/// Strings stay strings: `"yes"`, `"0644"` or `"null"` are quoted in the output so that cloud-init's
/// YAML 1.1 loader does not turn them into booleans, numbers or nulls. Mappings are encoded with
/// their keys sorted, so the same value always gives the same bytes; keys that YAML would read as
/// something other than text (`yes`, `0644`, `<<`) are refused by ``CloudConfig/validate()``.
public indirect enum YAMLValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case secret(Secret)
    case list([YAMLValue])
    case mapping([String: YAMLValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([YAMLValue].self) {
            self = .list(value)
        } else {
            self = .mapping(try container.decode([String: YAMLValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value): try value.encode(to: encoder)
        case .int(let value): try value.encode(to: encoder)
        case .double(let value): try value.encode(to: encoder)
        case .string(let value): try value.encode(to: encoder)
        case .secret(let value): try value.encode(to: encoder)
        case .list(let values): try values.encode(to: encoder)
        case .mapping(let values):
            var container = encoder.container(keyedBy: DynamicKey.self)
            for key in values.keys.sorted() {
                try container.encode(values[key], forKey: DynamicKey(key))
            }
        }
    }

    /// How many ``Secret`` values are inside.
    var secretCount: Int {
        switch self {
        case .secret: 1
        case .list(let values): values.reduce(0) { $0 + $1.secretCount }
        case .mapping(let values): values.values.reduce(0) { $0 + $1.secretCount }
        default: 0
        }
    }
}

extension YAMLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: YAMLValue...) { self = .list(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(dictionaryLiteral elements: (String, YAMLValue)...) {
        self = .mapping(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

/// A coding key made from any string: the keys of ``YAMLValue/mapping(_:)`` and ``CloudConfig/extra``.
struct DynamicKey: CodingKey, Hashable {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
