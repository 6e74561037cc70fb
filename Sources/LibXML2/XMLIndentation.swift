internal import CLibXML2

/// Keeps a document's indentation tidy when elements are added or removed.
///
/// Indentation is the blank text node before an element. A new element gets a copy of the
/// indentation its neighbour has; a removed element takes its indentation with it. libxml2 merges
/// adjacent text nodes when one is added next to another (`xmlAddNextSibling`, `xmlAddPrevSibling`,
/// `xmlAddChild`), so new text is only ever added next to the new element, never next to text.
enum Indentation {
    /// Adds `child` as the last child of `parent`, after the last child that is not blank text.
    ///
    /// With an element (or comment) before it that is indented, `child` gets the same indentation and
    /// the blank text before the parent's end tag stays last. A parent with nothing but blank text
    /// gets its children indented one step deeper than itself: the step between it and its own
    /// parent, or two spaces.
    static func append(_ child: xmlNodePtr, to parent: xmlNodePtr) {
        guard let anchor = lastNonBlankChild(of: parent) else {
            appendToBlank(child, parent: parent)
            return
        }
        xmlAddNextSibling(anchor, child)
        if anchor.pointee.type != XML_TEXT_NODE, let indentation = anchor.pointee.prev, isWhitespaceText(indentation) {
            xmlAddPrevSibling(child, copyText(indentation, into: parent.pointee.doc))
        }
    }

    /// Adds `child` right before `sibling`, giving it the same indentation as `sibling`.
    static func insert(_ child: xmlNodePtr, before sibling: xmlNodePtr) {
        xmlAddPrevSibling(sibling, child)
        if let indentation = child.pointee.prev, isWhitespaceText(indentation) {
            xmlAddPrevSibling(sibling, copyText(indentation, into: sibling.pointee.doc))
        }
    }

    /// Adds `child` right after `sibling`, giving it the same indentation as `sibling`: the copy of
    /// `sibling`'s indentation goes between the two, so the blank text after `sibling` (the next
    /// element's indentation, or the parent's end tag's) now follows `child`.
    static func insert(_ child: xmlNodePtr, after sibling: xmlNodePtr) {
        xmlAddNextSibling(sibling, child)
        if let indentation = sibling.pointee.prev, isWhitespaceText(indentation) {
            xmlAddPrevSibling(child, copyText(indentation, into: sibling.pointee.doc))
        }
    }

    /// Unlinks and frees the blank text right before `node`, if any (`xmlUnlinkNode`, `xmlFreeNode`).
    static func removeIndentation(before node: xmlNodePtr) {
        guard let indentation = node.pointee.prev, isWhitespaceText(indentation) else { return }
        xmlUnlinkNode(indentation)
        xmlFreeNode(indentation)
    }

    /// Shifts the indentation inside `copy`, a copy of `original` now in the tree, by the difference
    /// between their own indentations, so a subtree copied to another depth keeps its shape. Only
    /// blank text after a newline changes (`xmlNodeSetContent`, which stores text nodes' content
    /// as is); the start of such indentation must match `original`'s.
    static func reindent(_ copy: xmlNodePtr, like original: xmlNodePtr) {
        guard let from = indentation(of: original), let to = indentation(of: copy), from != to else { return }
        var pending: [xmlNodePtr] = []
        var child = copy.pointee.children
        while let current = child ?? pending.popLast() {
            child = current.pointee.next
            if current.pointee.type == XML_ELEMENT_NODE, let first = current.pointee.children {
                if let next = child { pending.append(next) }
                child = first
            } else if isWhitespaceText(current), let text = borrowXMLString(current.pointee.content),
                let newline = text.lastIndex(of: "\n"), text[text.index(after: newline)...].hasPrefix(from)
            {
                let shifted = text[...newline] + to + text[text.index(after: newline)...].dropFirst(from.count)
                withXMLString(String(shifted)) { xmlNodeSetContent(current, $0) }
            }
        }
    }

    /// Appends to a parent that has no children or only blank text.
    private static func appendToBlank(_ child: xmlNodePtr, parent: xmlNodePtr) {
        guard let outer = indentation(of: parent) else {
            xmlAddChild(parent, child)
            return
        }
        let step = stepBetween(parent: parent, outer: outer)
        var existing = parent.pointee.children
        while let blank = existing {
            existing = blank.pointee.next
            xmlUnlinkNode(blank)
            xmlFreeNode(blank)
        }
        let document = parent.pointee.doc
        xmlAddChild(parent, newText("\n" + outer + step, document))
        xmlAddChild(parent, child)
        xmlAddChild(parent, newText("\n" + outer, document))
    }

    /// The indentation of an element's start tag: the blanks after the last newline of the blank
    /// text before it; "" for the document element; nil when the element does not start a line.
    private static func indentation(of element: xmlNodePtr) -> String? {
        if element.pointee.parent?.pointee.type == XML_DOCUMENT_NODE { return "" }
        guard let before = element.pointee.prev, isWhitespaceText(before),
            let text = borrowXMLString(before.pointee.content), let newline = text.lastIndex(of: "\n")
        else { return nil }
        return String(text[text.index(after: newline)...])
    }

    /// How much deeper `parent` is indented than its own parent, or two spaces when that is unknown.
    private static func stepBetween(parent: xmlNodePtr, outer: String) -> String {
        if let grandparent = parent.pointee.parent, grandparent.pointee.type == XML_ELEMENT_NODE,
            let enclosing = indentation(of: grandparent), outer.count > enclosing.count, outer.hasPrefix(enclosing)
        {
            return String(outer.dropFirst(enclosing.count))
        }
        return "  "
    }

    private static func lastNonBlankChild(of parent: xmlNodePtr) -> xmlNodePtr? {
        var child = parent.pointee.last
        while let current = child, isWhitespaceText(current) { child = current.pointee.prev }
        return child
    }

    private static func copyText(_ text: xmlNodePtr, into document: xmlDocPtr?) -> xmlNodePtr {
        guard let copy = xmlNewDocText(document, text.pointee.content) else { fatalError("libxml2 out of memory") }
        return copy
    }

    private static func newText(_ text: String, _ document: xmlDocPtr?) -> xmlNodePtr {
        guard let node = withXMLString(text, { xmlNewDocText(document, $0) }) else {
            fatalError("libxml2 out of memory")
        }
        return node
    }
}
