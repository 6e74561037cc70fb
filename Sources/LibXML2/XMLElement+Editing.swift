internal import CLibXML2

// Editing: every value goes into the tree as a raw string and is escaped when the document is
// written, so no caller text is ever parsed as markup. Names and values XML 1.0 cannot carry are
// refused with `.invalidArgument` before anything changes.

extension XMLElement {
    /// Replaces all children with one text node holding `value` as is (`xmlNewDocText`, `xmlAddChild`);
    /// an empty value leaves the element empty. `&`, `<` and `>` are escaped when written.
    ///
    /// libxml2's `xmlNodeSetContent` is not used: it reads `&name;` in the value as an entity reference.
    /// - Throws: `.invalidArgument` if `value` has characters XML 1.0 cannot represent (most control
    ///   characters, including NUL, and U+FFFE/U+FFFF).
    public func setText(_ value: String) throws(XMLError) {
        try checkValue(value, what: "text of <\(name)>", source: document.source)
        removeAllChildren()
        guard !value.isEmpty else { return }
        guard let text = withXMLString(value, { xmlNewDocText(node.pointee.doc, $0) }) else {
            fatalError("libxml2 out of memory")
        }
        xmlAddChild(node, text)
    }

    /// Sets an attribute to `value` as is, or removes it when `value` is nil (`xmlSetNsProp`,
    /// `xmlUnsetNsProp`). An existing attribute keeps its place; a new one goes last. `prefix:name`
    /// puts the attribute in the namespace the prefix stands for here.
    ///
    /// `xmlSetNsProp` stores the value as one text node, so `&amp;` or `&foo;` stay literal text
    /// (unlike `xmlNewDocProp`, which reads entity references). The writer escapes `&`, `<`, `"`
    /// and turns tab, newline and carriage return into character references, so the value reads
    /// back identically.
    /// - Throws: `.invalidArgument` for a name that is not an XML name, an undeclared prefix, an
    ///   `xmlns` name (declare namespaces with `appendChild(_:namespaceURI:prefix:)`), or a value
    ///   with characters XML 1.0 cannot represent.
    public func setAttribute(_ name: String, _ value: String?) throws(XMLError) {
        let attribute = try resolveAttribute(name, on: node, scope: node, source: document.source)
        if let value {
            try checkValue(value, what: "attribute \(name)", source: document.source)
            set(attribute, value)
        } else {
            _ = withXMLString(attribute.local) { xmlUnsetNsProp(node, attribute.namespace, $0) }
        }
    }

    /// Appends a new element as the last child, indented like its siblings (see `Indentation`).
    ///
    /// `attributes` are set in order, as with `setAttribute`; `text` as with `setText`. With
    /// `namespaceURI`, the element is in that namespace, written with `prefix`, declared on the new
    /// element (`xmlNewNs`) unless a declaration is already in scope.
    /// - Throws: `.invalidArgument` as `setAttribute` and `setText` do; nothing is added then.
    @discardableResult
    public func appendChild(
        _ name: String, text: String? = nil, attributes: [(String, String)] = [], namespaceURI: String? = nil,
        prefix: String? = nil
    ) throws(XMLError) -> XMLElement {
        let child = try makeElement(
            name, text: text, attributes: attributes, namespaceURI: namespaceURI, prefix: prefix)
        Indentation.append(child, to: node)
        return XMLElement(document: document, node: child)
    }

    /// Inserts a new element right before `sibling`, one of this element's children, indented like it.
    /// - Throws: `.invalidArgument` when `sibling` is not a child of this element, else as `appendChild`.
    @discardableResult
    public func insertChild(
        _ name: String, text: String? = nil, attributes: [(String, String)] = [], before sibling: XMLElement
    ) throws(XMLError) -> XMLElement {
        try insertChild(name, text: text, attributes: attributes, nextTo: sibling) { Indentation.insert($0, before: $1) }
    }

    /// Inserts a new element right after `sibling`, one of this element's children, indented like it.
    /// - Throws: `.invalidArgument` when `sibling` is not a child of this element, else as `appendChild`.
    @discardableResult
    public func insertChild(
        _ name: String, text: String? = nil, attributes: [(String, String)] = [], after sibling: XMLElement
    ) throws(XMLError) -> XMLElement {
        try insertChild(name, text: text, attributes: attributes, nextTo: sibling) { Indentation.insert($0, after: $1) }
    }

    /// A new element placed by `place(child, sibling)` beside `sibling`, which must be a child of this element.
    private func insertChild(
        _ name: String, text: String?, attributes: [(String, String)], nextTo sibling: XMLElement,
        place: (xmlNodePtr, xmlNodePtr) -> Void
    ) throws(XMLError) -> XMLElement {
        guard sibling.node.pointee.parent == node else {
            throw .invalidArgument("<\(sibling.name)> is not a child of <\(self.name)>", source: document.source)
        }
        let child = try makeElement(name, text: text, attributes: attributes, namespaceURI: nil, prefix: nil)
        place(child, sibling.node)
        return XMLElement(document: document, node: child)
    }

    /// The first child with this name in no namespace, appended (empty, indented) when there is none.
    ///
    /// Element names come from the program, so an invalid one is a programming error and traps
    /// (precondition); data goes into values, which the throwing methods check.
    @discardableResult
    public func child(_ name: String) -> XMLElement {
        if let existing = firstChild(named: name) { return existing }
        requireName(name, what: "element name")
        guard let child = withXMLString(name, { xmlNewDocNode(node.pointee.doc, nil, $0, nil) }) else {
            fatalError("libxml2 out of memory")
        }
        assignNamespace(nil, prefix: nil, to: child, under: node)
        Indentation.append(child, to: node)
        return XMLElement(document: document, node: child)
    }

    /// Appends a deep copy of `element`, which may belong to another document (`xmlDocCopyNode`),
    /// indented like the other children, its inside shifted to the new depth (see
    /// `Indentation.reindent`). Namespaces the copy uses are declared on it if not in scope.
    @discardableResult
    public func appendCopy(of element: XMLElement) -> XMLElement {
        let copy = withExtendedLifetime(element.document) { xmlDocCopyNode(element.node, node.pointee.doc, 1) }
        guard let copy else { fatalError("libxml2 could not copy an element") }
        Indentation.append(copy, to: node)
        Indentation.reindent(copy, like: element.node)
        return XMLElement(document: document, node: copy)
    }

    /// Removes the element and the blank text before it (its indentation) from the tree
    /// (`xmlUnlinkNode`). The element's memory is released with the document, so this value and
    /// others referring into the removed subtree stay valid, detached. Removing a removed element
    /// does nothing. The document element cannot be removed (precondition).
    public func remove() {
        guard node.pointee.parent != nil else { return }
        precondition(!isRoot, "the document element cannot be removed")
        Indentation.removeIndentation(before: node)
        document.detach(node)
    }

    /// Removes every child element with this local name in this namespace (nil: in no namespace).
    public func removeChildren(named name: String, namespaceURI: String? = nil) {
        for child in children(named: name, namespaceURI: namespaceURI) { child.remove() }
    }

    /// Unlinks every child: elements are kept until the document is freed, other nodes freed now.
    private func removeAllChildren() {
        var child = node.pointee.children
        while let current = child {
            child = current.pointee.next
            if current.pointee.type == XML_ELEMENT_NODE {
                document.detach(current)
            } else {
                xmlUnlinkNode(current)
                xmlFreeNode(current)
            }
        }
    }

    /// Builds an unattached element with its namespace, attributes and text, checking everything
    /// first; the caller links it into the tree.
    private func makeElement(
        _ name: String, text: String?, attributes: [(String, String)], namespaceURI: String?, prefix: String?
    ) throws(XMLError) -> xmlNodePtr {
        let source = document.source
        try checkName(name, what: "element name", source: source)
        try checkNamespace(namespaceURI, prefix: prefix, source: source)
        if let text { try checkValue(text, what: "text of <\(name)>", source: source) }
        for (attributeName, value) in attributes {
            try checkValue(value, what: "attribute \(attributeName)", source: source)
        }
        guard let child = withXMLString(name, { xmlNewDocNode(node.pointee.doc, nil, $0, nil) }) else {
            fatalError("libxml2 out of memory")
        }
        assignNamespace(namespaceURI, prefix: prefix, to: child, under: node)
        do {
            for (attributeName, value) in attributes {
                set(try resolveAttribute(attributeName, on: child, scope: node, source: source), value, on: child)
            }
        } catch {
            xmlFreeNode(child)
            throw error
        }
        if let text, !text.isEmpty, let textNode = withXMLString(text, { xmlNewDocText(node.pointee.doc, $0) }) {
            xmlAddChild(child, textNode)
        }
        return child
    }

    private func set(_ attribute: ResolvedAttribute, _ value: String, on target: xmlNodePtr? = nil) {
        _ = withXMLString(attribute.local) { local in
            withXMLString(value) { xmlSetNsProp(target ?? node, attribute.namespace, local, $0) }
        }
    }
}

/// An attribute name checked and split, with the namespace its prefix stands for.
struct ResolvedAttribute {
    var local: String
    var namespace: xmlNsPtr?
}

/// Checks an attribute name and resolves its prefix on `node` (declared there or in scope at `scope`).
func resolveAttribute(_ name: String, on node: xmlNodePtr, scope: xmlNodePtr, source: String)
    throws(XMLError) -> ResolvedAttribute
{
    try checkName(name, what: "attribute name", qualified: true, source: source)
    let (prefix, local) = splitQualifiedName(name)
    guard name != "xmlns", prefix != "xmlns" else {
        throw .invalidArgument("\(name) is a namespace declaration, not an attribute", source: source)
    }
    guard let prefix else { return ResolvedAttribute(local: local, namespace: nil) }
    guard let namespace = lookUpPrefix(prefix, on: node, scope: scope) else {
        throw .invalidArgument("the prefix of attribute \(name) is not declared", source: source)
    }
    return ResolvedAttribute(local: local, namespace: namespace)
}
