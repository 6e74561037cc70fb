internal import CLibXML2

/// Process-wide libxml2 set-up (`xmlInitParser`), done once, lazily and thread-safely, before the
/// first call into libxml2. `xmlInitParser` sets up the per-thread globals and the mutexes that make
/// libxml2 safe to use from several threads (each document from one thread at a time).
enum LibXML2Runtime {
    private static let initialized: Void = { xmlInitParser() }()

    static func ensureInitialized() {
        _ = initialized
    }
}

/// Collects the libxml2 errors raised during one synchronous call.
///
/// libxml2 2.9 keeps its error handlers in per-thread globals (`xmlSetStructuredErrorFunc`,
/// `xmlSetGenericErrorFunc`). `collect` installs this collector on the calling thread, runs the
/// libxml2 calls, and puts the previous handlers back before returning, so errors are copied on the
/// thread that raised them and nothing is printed to stderr. A Swift task may change threads at an
/// `await`; `collect` takes a synchronous closure, so it cannot.
final class XMLErrorCollector {
    let kind: XMLError.Kind
    let source: String
    private(set) var errors: [XMLError] = []
    /// For each error, the element libxml2 named as its subject (`str1`) when it gave no node.
    private var unplacedNames: [Int: String] = [:]
    /// For each error, the node libxml2 gave, valid only during the call.
    private var nodes: [Int: xmlNodePtr] = [:]

    private init(kind: XMLError.Kind, source: String) {
        self.kind = kind
        self.source = source
    }

    /// The opaque pointer libxml2 hands back to `handler` as its context.
    var context: UnsafeMutableRawPointer {
        Unmanaged.passUnretained(self).toOpaque()
    }

    /// The structured error handler (`xmlStructuredErrorFunc`) that records into the collector passed
    /// as context. Also installed on RelaxNG parser and validation contexts
    /// (`xmlRelaxNGSetParserStructuredErrors`, `xmlRelaxNGSetValidStructuredErrors`).
    static let handler: xmlStructuredErrorFunc = { context, error in
        guard let context, let error else { return }
        Unmanaged<XMLErrorCollector>.fromOpaque(context).takeUnretainedValue().record(error.pointee)
    }

    /// Runs `body` with this thread's libxml2 errors going to a fresh collector, and returns the
    /// body's result along with the errors (warnings are dropped).
    static func collect<Result>(
        _ kind: XMLError.Kind, source: String, _ body: (XMLErrorCollector) -> Result
    ) -> (Result, [XMLError]) {
        LibXML2Runtime.ensureInitialized()
        let collector = XMLErrorCollector(kind: kind, source: source)
        let previous = kinvm_xmlInstallErrorHandler(handler, collector.context)
        defer { kinvm_xmlRestoreErrorHandlers(previous) }
        let result = withExtendedLifetime(collector) { body(collector) }
        return (result, collector.errors)
    }

    /// Adds an error the binding detected itself (for example a failed call that raised none).
    func add(_ message: String) {
        errors.append(XMLError(kind: kind, message: message, source: source))
    }

    /// Copies one `xmlError`. Runs inside libxml2, so it must not call back into error-raising code.
    private func record(_ raw: xmlError) {
        guard raw.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
        var error = XMLError(
            kind: kind,
            message: raw.message.map { String(cString: $0) }.map(trimmed) ?? "unknown libxml2 error",
            source: source,
            line: raw.line > 0 ? Int(raw.line) : nil,
            column: raw.int2 > 0 ? Int(raw.int2) : nil)
        if raw.domain == Int32(XML_FROM_XPATH.rawValue) {
            // xmlXPathErr puts the expression in str1 and the offset of the failure in int1.
            let expression = raw.str1.map { String(cString: $0) }
            error.line = nil
            error.column = expression == nil ? nil : Int(raw.int1) + 1
            if let expression, let column = error.column {
                error.message += " at character \(column) of \"\(expression)\""
            }
        } else if let node = raw.node?.assumingMemoryBound(to: xmlNode.self),
            node.pointee.type == XML_ELEMENT_NODE
        {
            place(&error, at: node)
            nodes[errors.count] = node
        } else if let name = raw.str1 {
            unplacedNames[errors.count] = String(cString: name)
        }
        guard !errors.contains(error) else {
            nodes[errors.count] = nil
            unplacedNames[errors.count] = nil
            return
        }
        errors.append(error)
    }

    private func place(_ error: inout XMLError, at node: xmlNodePtr) {
        error.element = String(cString: node.pointee.name)
        error.path = takeXMLString(xmlGetNodePath(node))
        if error.line == nil, xmlGetLineNo(node) > 0 { error.line = Int(xmlGetLineNo(node)) }
    }

    /// Gives a line and element to errors libxml2 raised without a node but naming an element.
    ///
    /// RelaxNG reports an element that matched nothing in an `<interleave>` ("Extra element vcpu in
    /// interleave") without its node, then the enclosing element's failure with a node. If that
    /// node is the named element, or has exactly one child of that name, the error is about it.
    /// Call before the call's nodes can be freed.
    func placeNamedElements() {
        for (index, name) in unplacedNames.sorted(by: { $0.key < $1.key }) {
            guard let next = nodes.keys.filter({ $0 > index }).min(), let enclosing = nodes[next] else { continue }
            var candidates: [xmlNodePtr] = []
            if String(cString: enclosing.pointee.name) == name { candidates.append(enclosing) }
            var child = enclosing.pointee.children
            while let current = child {
                if current.pointee.type == XML_ELEMENT_NODE, String(cString: current.pointee.name) == name {
                    candidates.append(current)
                }
                child = current.pointee.next
            }
            if candidates.count == 1 { place(&errors[index], at: candidates[0]) }
        }
        unplacedNames = [:]
    }
}

/// The message without the trailing newline libxml2 puts on it (and surrounding blanks).
func trimmed(_ text: String) -> String {
    let blank: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
    guard let start = text.firstIndex(where: { !blank($0) }), let end = text.lastIndex(where: { !blank($0) })
    else { return "" }
    return String(text[start...end])
}
