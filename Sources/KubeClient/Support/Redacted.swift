/// A credential from a kubeconfig (a bearer token, a password, a client key): the value must reach
/// the API server, never a message, log line or JSON output.
///
/// Its `description`, `debugDescription` and mirror all read `<redacted>`, so string
/// interpolation, `print`, `dump`, `#expect` failure messages and swift-log metadata built from
/// it cannot show it; only ``revealed`` gives the value back. The same idea as CloudInit's
/// `Secret`, kept apart because leaf modules do not import each other (and `Secret` here is the
/// Kubernetes object).
public struct Redacted: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable,
    ExpressibleByStringLiteral
{
    private let value: String

    public init(_ value: String) { self.value = value }

    /// A fixed value written in the source (tests, examples): literals are not secrets anyone holds.
    public init(stringLiteral value: String) { self.value = value }

    /// The credential itself. Call this only where the value goes to its destination.
    public var revealed: String { value }

    public var isEmpty: Bool { value.isEmpty }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "Redacted(<redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
