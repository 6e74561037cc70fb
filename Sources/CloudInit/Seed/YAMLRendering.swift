import Yams

/// The one place values become YAML: every seed file is encoded by Yams with the same options.
enum YAMLRendering {
    /// Block style, two-space indent, no line folding, UTF-8 kept as is, and multi-line strings as
    /// literal blocks (`|`) when YAML allows it (Yams falls back to double quotes otherwise).
    static func encoder() -> YAMLEncoder {
        let encoder = YAMLEncoder()
        encoder.options = YAMLEncoder.Options(
            indent: 2, width: -1, allowUnicode: true, lineBreak: .ln, sortKeys: false,
            sequenceStyle: .block, mappingStyle: .block, newLineScalarStyle: .literal)
        return encoder
    }

    /// Encodes `value`; `file` names the seed file in the error.
    static func render<Value: Encodable>(_ value: Value, file: String) throws(CloudInitError) -> String {
        do {
            return try encoder().encode(value)
        } catch let error as CloudInitError {
            throw error
        } catch let EncodingError.invalidValue(_, context) {
            // The value itself is not shown: it may be (or contain) a secret.
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw CloudInitError(field: path.isEmpty ? file : path, value: "", reason: context.debugDescription)
        } catch {
            throw CloudInitError(field: file, value: "", reason: "YAML encoding failed")
        }
    }
}

extension YAMLRendering {
    /// Mapping keys reach YAML through Yams without the quoting values get, so a key such as
    /// `yes`, `null`, `0644` or `<<` would come back as a boolean, null, number or merge key.
    /// Such keys are refused; any other text is fine (the emitter quotes what needs quoting).
    static func checkKey(_ key: String, field: String) throws(CloudInitError) {
        guard !key.isEmpty else { throw CloudInitError(field: field, value: key, reason: "keys must not be empty") }
        guard Resolver.default.resolveTag(of: Node(key)) == .str else {
            throw CloudInitError(
                field: field, value: key,
                reason: "YAML would read this key as a boolean, number, null or merge key, not as text")
        }
    }
}

extension YAMLValue {
    /// Checks every mapping key inside (see ``YAMLRendering/checkKey(_:field:)``).
    func checkKeys(field: String) throws(CloudInitError) {
        switch self {
        case .list(let values):
            for (index, value) in values.enumerated() { try value.checkKeys(field: "\(field)[\(index)]") }
        case .mapping(let values):
            for key in values.keys.sorted() {
                try YAMLRendering.checkKey(key, field: "\(field).\(key)")
                try values[key]?.checkKeys(field: "\(field).\(key)")
            }
        default:
            break
        }
    }
}
