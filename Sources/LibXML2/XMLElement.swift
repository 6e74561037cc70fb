internal import CLibXML2

/// An element in an `XMLDocument`: a reference to one node of the document's tree.
///
/// It holds its document strongly, so the tree outlives every element taken from it. Two values are
/// equal when they refer to the same node. An element removed from the tree (`remove()`) stays
/// valid but detached: it has no parent and is no longer part of the document's text.
public struct XMLElement: Hashable {
    /// The document the element belongs to.
    public let document: XMLDocument
    let node: xmlNodePtr

    init(document: XMLDocument, node: xmlNodePtr) {
        self.document = document
        self.node = node
    }

    public static func == (lhs: XMLElement, rhs: XMLElement) -> Bool {
        lhs.node == rhs.node
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(node)
    }

    /// The local name, without a prefix.
    public var name: String {
        String(cString: node.pointee.name)
    }

    /// The namespace the element is in, or nil for none.
    public var namespaceURI: String? {
        borrowXMLString(node.pointee.ns?.pointee.href).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The prefix the element is written with, or nil.
    public var prefix: String? {
        borrowXMLString(node.pointee.ns?.pointee.prefix)
    }

    /// The line of the start tag in the parsed text (`xmlGetLineNo`); 0 for an element built in memory.
    public var lineNumber: Int {
        max(Int(xmlGetLineNo(node)), 0)
    }

    /// All text inside the element, concatenated in document order (`xmlNodeGetContent`): text and
    /// CDATA of the element and its descendants, with character and entity references resolved.
    /// Set it with `setText(_:)`.
    public var text: String {
        takeXMLString(xmlNodeGetContent(node)) ?? ""
    }

    /// The value of an attribute, or nil when absent. A plain name matches only an attribute in no
    /// namespace (`xmlGetNoNsProp`); `prefix:name` matches the attribute in the namespace the prefix
    /// stands for here (`xmlGetNsProp`).
    public func attribute(_ name: String) -> String? {
        let (prefix, local) = splitQualifiedName(name)
        guard let prefix else { return withXMLString(local) { takeXMLString(xmlGetNoNsProp(node, $0)) } }
        guard let namespace = lookUpPrefix(prefix, on: node, scope: node) else { return nil }
        return withXMLString(local) { takeXMLString(xmlGetNsProp(node, $0, namespace.pointee.href)) }
    }

    /// The attribute names in document order, with their prefix when they have one.
    public var attributeNames: [String] {
        var names: [String] = []
        var attribute = node.pointee.properties
        while let current = attribute {
            let local = String(cString: current.pointee.name)
            if let prefix = borrowXMLString(current.pointee.ns?.pointee.prefix) {
                names.append("\(prefix):\(local)")
            } else {
                names.append(local)
            }
            attribute = current.pointee.next
        }
        return names
    }

    /// The element children, in document order (text, comments and the like are skipped).
    public var children: [XMLElement] {
        var elements: [XMLElement] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE {
                elements.append(XMLElement(document: document, node: current))
            }
            child = current.pointee.next
        }
        return elements
    }

    /// The element children with this local name in this namespace (nil: in no namespace).
    public func children(named name: String, namespaceURI: String? = nil) -> [XMLElement] {
        children.filter { $0.name == name && $0.namespaceURI == namespaceURI }
    }

    /// The first element child with this local name in this namespace (nil: in no namespace).
    public func firstChild(named name: String, namespaceURI: String? = nil) -> XMLElement? {
        children.first { $0.name == name && $0.namespaceURI == namespaceURI }
    }

    /// The parent element; nil for the document element and for a removed element.
    public var parent: XMLElement? {
        guard let parent = node.pointee.parent, parent.pointee.type == XML_ELEMENT_NODE else { return nil }
        return XMLElement(document: document, node: parent)
    }

    /// Whether the element is the document element.
    var isRoot: Bool {
        node.pointee.parent?.pointee.type == XML_DOCUMENT_NODE
    }
}
