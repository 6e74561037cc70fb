/// An error reported by libxml2, or by this binding when a call's arguments cannot be written as XML.
///
/// libxml2 reports errors through a per-thread handler. The binding installs its own handler for the
/// duration of each call and copies every error inside that same synchronous call (see
/// `XMLErrorCollector`), so nothing is printed to stderr and no error leaks into another call.
public struct XMLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which part of the work failed.
    public enum Kind: Sendable, Hashable {
        /// The text is not well-formed (namespace-aware) XML (`xmlCtxtReadMemory`).
        case parse
        /// An XPath expression is malformed or cannot be evaluated (`xmlXPathEval`).
        case xpath
        /// A RelaxNG schema failed to compile (`xmlRelaxNGParse`) or a document does not match it
        /// (`xmlRelaxNGValidateDoc`).
        case schema
        /// A file could not be read, or a schema could not be found.
        case io
        /// A name or value the caller passed cannot be represented in XML 1.0.
        case invalidArgument
    }

    public var kind: Kind
    /// libxml2's message (trimmed), or the binding's own.
    public var message: String
    /// Where the XML came from: a file path or a caller-given name such as `template k8s-node`.
    public var source: String
    /// The 1-based line, when known.
    public var line: Int?
    /// The 1-based column, when libxml2 knows it (parse errors; for XPath errors, the offset in the
    /// expression).
    public var column: Int?
    /// For schema errors: the name of the element the error is about.
    public var element: String?
    /// For schema errors: the path of that element (`xmlGetNodePath`), e.g. `/domain/devices/disk[2]`.
    public var path: String?

    public init(
        kind: Kind, message: String, source: String, line: Int? = nil, column: Int? = nil,
        element: String? = nil, path: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        self.element = element
        self.path = path
    }

    /// Reads like a compiler diagnostic, e.g.
    /// `k8s-node.xml:12:5: parse error: Opening and ending tag mismatch: devices line 3 and domain`.
    public var description: String {
        var location = source
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        var text = "\(location): \(kind.label): \(message)"
        switch (element, path) {
        case (let element?, let path?): text += " (element \(element) at \(path))"
        case (let element?, nil): text += " (element \(element))"
        case (nil, let path?): text += " (at \(path))"
        case (nil, nil): break
        }
        return text
    }
}

extension XMLError.Kind {
    var label: String {
        switch self {
        case .parse: "parse error"
        case .xpath: "XPath error"
        case .schema: "schema error"
        case .io: "I/O error"
        case .invalidArgument: "invalid argument"
        }
    }
}

extension XMLError {
    /// The binding's own error for a caller-supplied name or value that XML cannot carry.
    static func invalidArgument(_ message: String, source: String) -> XMLError {
        XMLError(kind: .invalidArgument, message: message, source: source)
    }
}
