internal import CLibXML2

// XPath 1.0 queries on a document (`xmlXPathNewContext`, `xmlXPathRegisterNs`, `xmlXPathEval`),
// evaluated from the document node. The context's own error handler (`xmlXPathContext.error`) is
// left unset: libxml2 2.9 hands it the error without a message, while the thread's structured
// handler, which `XMLErrorCollector` installs for the call, gets the formatted one.

extension XMLDocument {
    /// The elements an XPath expression selects, in document order; other nodes it selects
    /// (attributes, text) are left out. `namespaces` maps the prefixes the expression uses to URIs.
    /// - Throws: `.xpath` for a malformed expression, an unknown prefix or function, or an expression
    ///   whose result is not a node set (such as `count(//disk)`).
    public func select(_ xpath: String, namespaces: [String: String] = [:]) throws(XMLError) -> [XMLElement] {
        try evaluate(xpath, namespaces) { object, collector -> [XMLElement]? in
            guard object.pointee.type == XPATH_NODESET else {
                collector.add("\"\(xpath)\" does not select nodes")
                return nil
            }
            guard let set = object.pointee.nodesetval, let nodes = set.pointee.nodeTab else { return [] }
            return (0..<Int(set.pointee.nodeNr)).compactMap { index in
                guard let node = nodes[index], node.pointee.type == XML_ELEMENT_NODE else { return nil }
                return XMLElement(document: self, node: node)
            }
        }
    }

    /// The first element `select` would return, or nil.
    public func first(_ xpath: String, namespaces: [String: String] = [:]) throws(XMLError) -> XMLElement? {
        try select(xpath, namespaces: namespaces).first
    }

    /// The expression's result converted as by XPath `string()` (`xmlXPathCastToString`): for a node
    /// set, the text of its first node; "" for an empty one.
    /// - Throws: `.xpath` as `select` does, except that any result type is accepted.
    public func evaluateString(_ xpath: String, namespaces: [String: String] = [:]) throws(XMLError) -> String {
        try evaluate(xpath, namespaces) { object, _ in takeXMLString(xmlXPathCastToString(object)) ?? "" }
    }

    /// Evaluates `xpath` and hands the result to `read` (nil from `read` means it recorded an error).
    private func evaluate<Value>(
        _ xpath: String, _ namespaces: [String: String],
        _ read: (xmlXPathObjectPtr, XMLErrorCollector) -> Value?
    ) throws(XMLError) -> Value {
        try checkValue(xpath, what: "XPath expression", source: source)
        let (value, errors) = XMLErrorCollector.collect(.xpath, source: source) { collector -> Value? in
            guard let context = xmlXPathNewContext(handle) else {
                collector.add("xmlXPathNewContext failed")
                return nil
            }
            defer { xmlXPathFreeContext(context) }
            context.pointee.node = xmlDocGetRootElement(handle)?.pointee.parent  // the document node
            for (prefix, uri) in namespaces.sorted(by: { $0.key < $1.key }) {
                let status = withXMLString(prefix) { prefix in
                    withXMLString(uri) { xmlXPathRegisterNs(context, prefix, $0) }
                }
                if status != 0 { collector.add("cannot register the namespace prefix \"\(prefix)\"") }
            }
            guard collector.errors.isEmpty, let object = withXMLString(xpath, { xmlXPathEval($0, context) }) else {
                if collector.errors.isEmpty { collector.add("cannot evaluate \"\(xpath)\"") }
                return nil
            }
            defer { xmlXPathFreeObject(object) }
            return read(object, collector)
        }
        guard let value, errors.isEmpty else {
            throw errors.first ?? XMLError(kind: .xpath, message: "cannot evaluate \"\(xpath)\"", source: source)
        }
        return value
    }
}
