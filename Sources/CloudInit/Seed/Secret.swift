/// A value that must reach the guest but never a log: a join token, a private key, a password hash.
///
/// Its `description`, `debugDescription` and mirror all read `<redacted>`, so `print`, string
/// interpolation, `dump` and swift-log metadata built from it cannot leak it. Only encoding
/// (the rendered seed) and ``revealed`` give the value back.
public struct Secret: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    private let value: String

    public init(_ value: String) { self.value = value }

    /// The secret itself. Call this only where the value goes to its destination.
    public var revealed: String { value }

    /// Its size in UTF-8 bytes, which is safe to log.
    public var utf8Count: Int { value.utf8.count }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "Secret(<redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    public init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
