internal import CLibXML2

// Writing documents and elements back as text with libxml2's serializer (`xmlSaveToBuffer`,
// `xmlSaveDoc`, `xmlSaveTree`), always as UTF-8 and never reformatted (no `XML_SAVE_FORMAT`), so
// the blank text the author wrote between elements is written back as is.

extension XMLDocument {
    /// The document as text.
    ///
    /// An unmodified parsed document comes back as written, with these exceptions libxml2's tree
    /// cannot avoid: the XML declaration (written, with `encoding="UTF-8"`, only if the text had
    /// one), attribute values in double quotes, empty elements as `<a/>`, blanks inside tags
    /// normalized, `>` in text as `&gt;`, character references replaced by the characters, line
    /// ends as `\n`, and one newline after each top-level node.
    public func serialized() -> String {
        let options = hasDeclaration ? 0 : Int32(XML_SAVE_NO_DECL.rawValue)
        return serializeToString(options: options) { _ = xmlSaveDoc($0, handle) }
    }
}

extension XMLElement {
    /// The element and its content as text, e.g. to hand to `virDomainSetMetadata`.
    ///
    /// The text stands on its own: namespaces the element uses but inherits from its ancestors are
    /// declared on it. This works on a copy of the element in a scratch document (`xmlNewDoc`,
    /// `xmlDocCopyNode`, which declares such namespaces on the copy), written with `xmlSaveTree`.
    public func serialized() -> String {
        LibXML2Runtime.ensureInitialized()
        guard let scratch = xmlNewDoc("1.0") else { fatalError("libxml2 could not allocate a document") }
        defer { xmlFreeDoc(scratch) }
        guard let copy = xmlDocCopyNode(node, scratch, 1) else { fatalError("libxml2 could not copy an element") }
        xmlDocSetRootElement(scratch, copy)
        return serializeToString(options: Int32(XML_SAVE_NO_DECL.rawValue)) { _ = xmlSaveTree($0, copy) }
    }
}

/// Runs `save` on a save context writing UTF-8 into a memory buffer (`xmlBufferCreate`,
/// `xmlSaveToBuffer`, `xmlSaveClose`) and returns the buffer's text.
func serializeToString(options: Int32, _ save: (xmlSaveCtxtPtr) -> Void) -> String {
    let (text, _) = XMLErrorCollector.collect(.io, source: "serializer") { _ -> String in
        guard let buffer = xmlBufferCreate() else { fatalError("libxml2 could not allocate a buffer") }
        defer { xmlBufferFree(buffer) }
        guard let context = xmlSaveToBuffer(buffer, "UTF-8", options) else {
            fatalError("libxml2 has no UTF-8 writer")
        }
        save(context)
        xmlSaveClose(context)
        return borrowXMLString(xmlBufferContent(buffer)) ?? ""
    }
    return text
}
