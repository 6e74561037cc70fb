internal import CLibXML2

// Namespace declarations for new elements and prefixed attribute names. An element created with a
// namespace reuses a declaration already in scope (`xmlSearchNsByHref`) or declares one on itself
// (`xmlNewNs`), so the written XML always means what the tree says.

/// Checks a namespace URI and prefix given by a caller: a prefix needs a URI, must be an NCName and
/// must not be one of the reserved `xml` and `xmlns`.
func checkNamespace(_ uri: String?, prefix: String?, source: String) throws(XMLError) {
    if let uri {
        guard !uri.isEmpty else {
            throw .invalidArgument("the namespace URI is empty; pass nil for no namespace", source: source)
        }
        try checkValue(uri, what: "namespace URI", source: source)
    }
    guard let prefix else { return }
    guard uri != nil else { throw .invalidArgument("prefix \"\(prefix)\" needs a namespace URI", source: source) }
    try checkName(prefix, what: "namespace prefix", source: source)
    guard prefix != "xml", prefix != "xmlns" else {
        throw .invalidArgument("the prefix \"\(prefix)\" is reserved", source: source)
    }
}

/// Declares a namespace on `node` (`xmlNewNs`) and, with `use`, puts the node in it (`xmlSetNs`).
@discardableResult
func declareNamespace(_ uri: String, prefix: String?, on node: xmlNodePtr, use: Bool) -> xmlNsPtr? {
    let namespace = withXMLString(uri) { uri in withOptionalXMLString(prefix) { xmlNewNs(node, uri, $0) } }
    if use, let namespace { xmlSetNs(node, namespace) }
    return namespace
}

/// Puts `node`, about to become a child of `parent`, in namespace `uri` written with `prefix`.
///
/// A declaration of `uri` in scope at `parent` is reused when its prefix matches (or no prefix was
/// asked for); otherwise the node declares it. With no `uri`, the node is in no namespace; if a
/// default namespace is in scope it declares `xmlns=""`, so it is not read back in that namespace.
func assignNamespace(_ uri: String?, prefix: String?, to node: xmlNodePtr, under parent: xmlNodePtr) {
    let document = parent.pointee.doc
    guard let uri else {
        if let inherited = xmlSearchNs(document, parent, nil), inherited.pointee.href?.pointee ?? 0 != 0 {
            declareNamespace("", prefix: nil, on: node, use: false)
        }
        return
    }
    let existing = withXMLString(uri) { xmlSearchNsByHref(document, parent, $0) }
    if let existing, prefix == nil || borrowXMLString(existing.pointee.prefix) == prefix {
        xmlSetNs(node, existing)
    } else {
        declareNamespace(uri, prefix: prefix, on: node, use: true)
    }
}

/// The namespace a prefix stands for at `node`: one declared on `node` itself, else one in scope at
/// `scope` (`xmlSearchNs`, which also knows the built-in `xml` prefix). `scope` is the parent a new,
/// still unattached node will go into, or the node itself.
func lookUpPrefix(_ prefix: String, on node: xmlNodePtr, scope: xmlNodePtr) -> xmlNsPtr? {
    var declaration = node.pointee.nsDef
    while let current = declaration {
        if borrowXMLString(current.pointee.prefix) == prefix { return current }
        declaration = current.pointee.next
    }
    return withXMLString(prefix) { xmlSearchNs(scope.pointee.doc, scope, $0) }
}

/// Splits `prefix:local` into its parts; `(nil, name)` for a name without a prefix.
func splitQualifiedName(_ name: String) -> (prefix: String?, local: String) {
    guard let colon = name.firstIndex(of: ":") else { return (nil, name) }
    return (String(name[..<colon]), String(name[name.index(after: colon)...]))
}
