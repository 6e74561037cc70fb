internal import CLibXML2

/// A parsed or newly built XML document (`xmlDocPtr`), edited in place and written back unchanged
/// apart from the edits.
///
/// The document owns its libxml2 tree and frees it in `deinit` (`xmlFreeDoc`). `XMLElement` values
/// hold their document strongly, so a tree stays valid as long as any element from it is in use.
/// Not `Sendable`: libxml2 trees are not safe to touch from two threads at once.
public final class XMLDocument {
    let handle: xmlDocPtr
    /// Where the text came from, used in every error about this document: a file path or the name
    /// given to `init(parsing:source:)`.
    public let source: String
    /// Whether the parsed text started with an XML declaration; only then is one written back.
    let hasDeclaration: Bool
    /// Element subtrees removed from the tree. They are freed with the document rather than at once,
    /// so an `XMLElement` still referring to one never points at freed memory.
    private var detachedNodes: [xmlNodePtr] = []

    private init(handle: xmlDocPtr, source: String, hasDeclaration: Bool) {
        self.handle = handle
        self.source = source
        self.hasDeclaration = hasDeclaration
    }

    deinit {
        for node in detachedNodes { xmlFreeNode(node) }
        xmlFreeDoc(handle)
    }

    /// Parses XML text (`xmlCtxtReadMemory`). `source` names the text in errors.
    ///
    /// Blank text, comments, CDATA sections and entity references are kept as written. Entities are
    /// not substituted, no DTD or external entity is loaded and the network is never used
    /// (`XML_PARSE_NONET`), so a hostile document cannot make the parser read files.
    /// - Throws: `.parse` with the line and column of the first error, including namespace errors.
    public convenience init(parsing text: String, source: String = "<input>") throws(XMLError) {
        let bytes = Array(text.utf8)
        let handle = try Self.parse(bytes, encoding: "UTF-8", source: source)
        self.init(handle: handle, source: source, hasDeclaration: Self.startsWithDeclaration(bytes))
    }

    /// Reads and parses an XML file. The encoding comes from the file (its declaration or byte-order
    /// mark, UTF-8 by default).
    /// - Throws: `.io` naming the path when the file cannot be read, else as `init(parsing:source:)`.
    public convenience init(contentsOfFile path: String) throws(XMLError) {
        let bytes = try readFile(path)
        let handle = try Self.parse(bytes, encoding: nil, source: path)
        self.init(handle: handle, source: path, hasDeclaration: Self.startsWithDeclaration(bytes))
    }

    /// A new document holding only an empty root element (`xmlNewDoc`, `xmlNewDocNode`), declaring
    /// `namespaceURI` with `prefix` (`xmlNewNs`) when given. It is written without an XML declaration.
    ///
    /// Names come from the program, so an invalid name, prefix or URI (or a prefix without a URI) is
    /// a programming error and traps (precondition).
    public convenience init(rootName: String, namespaceURI: String? = nil, prefix: String? = nil) {
        let source = "new <\(rootName)> document"
        requireName(rootName, what: "element name")
        do throws(XMLError) {
            try checkNamespace(namespaceURI, prefix: prefix, source: source)
        } catch {
            preconditionFailure(error.message)
        }
        LibXML2Runtime.ensureInitialized()
        guard let handle = xmlNewDoc("1.0"),
            let root = withXMLString(rootName, { xmlNewDocNode(handle, nil, $0, nil) })
        else { fatalError("libxml2 could not allocate a document") }
        xmlDocSetRootElement(handle, root)
        if let namespaceURI { declareNamespace(namespaceURI, prefix: prefix, on: root, use: true) }
        self.init(handle: handle, source: source, hasDeclaration: false)
    }

    /// The document element (`xmlDocGetRootElement`). Every document has one: parsing fails without
    /// it and it cannot be removed.
    public var root: XMLElement {
        guard let node = xmlDocGetRootElement(handle) else { preconditionFailure("document without a root element") }
        return XMLElement(document: self, node: node)
    }

    /// An independent deep copy (`xmlCopyDoc`), with the same source name.
    public func copy() -> XMLDocument {
        guard let copy = xmlCopyDoc(handle, 1) else { fatalError("libxml2 could not copy a document") }
        return XMLDocument(handle: copy, source: source, hasDeclaration: hasDeclaration)
    }

    /// Unlinks a node from the tree (`xmlUnlinkNode`) and keeps it until the document is freed.
    func detach(_ node: xmlNodePtr) {
        xmlUnlinkNode(node)
        detachedNodes.append(node)
    }

    /// Options for every parse: keep the text exactly (no `XML_PARSE_NOBLANKS`, `XML_PARSE_NOCDATA`
    /// or `XML_PARSE_NOENT`), load nothing (no `XML_PARSE_DTDLOAD`), never use the network, and keep
    /// line numbers above 65535.
    private static let parseOptions = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_BIG_LINES.rawValue)

    /// Parses bytes with a fresh parser context (`xmlNewParserCtxt`, `xmlCtxtReadMemory`); any error
    /// (not a warning) fails the parse, also when libxml2 recovered and built a tree anyway.
    private static func parse(_ bytes: [UInt8], encoding: String?, source: String) throws(XMLError) -> xmlDocPtr {
        guard bytes.count < Int(Int32.max) else {
            throw XMLError(kind: .parse, message: "document larger than 2 GiB", source: source)
        }
        let (document, errors) = XMLErrorCollector.collect(.parse, source: source) { collector -> xmlDocPtr? in
            guard let parser = xmlNewParserCtxt() else {
                collector.add("xmlNewParserCtxt failed")
                return nil
            }
            defer { xmlFreeParserCtxt(parser) }
            let document = bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) {
                    xmlCtxtReadMemory(parser, $0.baseAddress, Int32($0.count), nil, encoding, parseOptions)
                }
            }
            if let document, parser.pointee.wellFormed == 0 || !collector.errors.isEmpty {
                xmlFreeDoc(document)
                return nil
            }
            if document == nil, collector.errors.isEmpty { collector.add("xmlCtxtReadMemory failed") }
            return document
        }
        guard let document else {
            throw errors.first ?? XMLError(kind: .parse, message: "xmlCtxtReadMemory failed", source: source)
        }
        return document
    }

    /// Whether the bytes begin with `<?xml` and a blank, after an optional UTF-8 byte-order mark.
    private static func startsWithDeclaration(_ bytes: [UInt8]) -> Bool {
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
        guard body.starts(with: Array("<?xml".utf8)), body.count > 5 else { return false }
        return [0x20, 0x09, 0x0A, 0x0D].contains(body[body.startIndex + 5])
    }
}
