/// Why a seed, one of its parts, or its image was refused: which field, what value, and why.
///
/// `field` is a path into the value that was checked, e.g. `write_files[2].path`,
/// `ethernets.eth0.addresses[1]` or `files[0].name`. Values of ``Secret`` fields are never
/// checked, so they never appear here.
public struct CloudInitError: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var value: String
    public var reason: String

    public init(field: String, value: String, reason: String) {
        self.field = field
        self.value = value
        self.reason = reason
    }

    /// `field 'value': reason`, with long values shortened and control characters shown as `?`.
    public var description: String {
        let shown = value.count > 80 ? String(value.prefix(77)) + "..." : value
        let printable = shown.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : String($0) }
        return "\(field) '\(printable.joined())': \(reason)"
    }
}

extension CloudInitError {
    /// The same error with `prefix` put in front of its field, e.g. `users[0]` + `.name`.
    func nested(under prefix: String) -> CloudInitError {
        CloudInitError(field: field.hasPrefix("[") ? prefix + field : "\(prefix).\(field)", value: value, reason: reason)
    }
}
