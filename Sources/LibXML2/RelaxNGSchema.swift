internal import CLibXML2

/// A compiled RelaxNG schema (`xmlRelaxNGPtr`) that documents are validated against.
///
/// `@unchecked Sendable` because sharing it between threads is safe: libxml2 only reads the
/// compiled schema after `xmlRelaxNGParse` returns, and every `validate(_:)` call makes its own
/// validation context (`xmlRelaxNGNewValidCtxt`), which holds all the state a validation changes.
/// The schema is freed in `deinit` (`xmlRelaxNGFree`), when no thread can be using it any more.
public final class RelaxNGSchema: @unchecked Sendable {
    let handle: xmlRelaxNGPtr
    /// The file the schema was compiled from.
    public let path: String

    /// Compiles the schema in a file (`xmlRelaxNGNewParserCtxt`, `xmlRelaxNGParse`). The schema is
    /// loaded by path, so `<include>`s and `<externalRef>`s relative to it resolve. Compiling a large
    /// schema (libvirt's domain.rng) takes a while and blocks; compile once and share the result.
    /// - Throws: `.io` when the file cannot be read, `.schema` when it is not a valid schema.
    public init(contentsOfFile path: String) throws(XMLError) {
        try checkReadable(path)
        let (schema, errors) = XMLErrorCollector.collect(.schema, source: path) { collector -> xmlRelaxNGPtr? in
            guard let parser = xmlRelaxNGNewParserCtxt(path) else {
                collector.add("xmlRelaxNGNewParserCtxt failed")
                return nil
            }
            defer { xmlRelaxNGFreeParserCtxt(parser) }
            xmlRelaxNGSetParserStructuredErrors(parser, XMLErrorCollector.handler, collector.context)
            return xmlRelaxNGParse(parser)
        }
        guard let schema else {
            throw errors.first ?? XMLError(kind: .schema, message: "xmlRelaxNGParse failed", source: path)
        }
        self.handle = schema
        self.path = path
    }

    deinit {
        xmlRelaxNGFree(handle)
    }

    /// Validates a document (`xmlRelaxNGNewValidCtxt`, `xmlRelaxNGValidateDoc`). Blocks; safe to
    /// call from several threads at once, each with its own document.
    ///
    /// - Returns: no errors when the document is valid; otherwise `.schema` errors as libxml2
    ///   reports them, each with the line and the element (name and path) it is about. libxml2
    ///   reports one problem several times on its way up the tree, and inside an `<interleave>`
    ///   (most of libvirt's elements) it names only the child that failed to match, not why:
    ///   `<vcpu>zero</vcpu>` gives "Extra element vcpu in interleave", then "Element domain failed
    ///   to validate content". Errors libxml2 raises without a node get the element they name when
    ///   that is unambiguous (see `XMLErrorCollector.placeNamedElements`).
    public func validate(_ document: XMLDocument) -> [XMLError] {
        let (status, errors) = XMLErrorCollector.collect(.schema, source: document.source) { collector -> Int32 in
            guard let validator = xmlRelaxNGNewValidCtxt(handle) else {
                collector.add("xmlRelaxNGNewValidCtxt failed")
                return -1
            }
            defer { xmlRelaxNGFreeValidCtxt(validator) }
            xmlRelaxNGSetValidStructuredErrors(validator, XMLErrorCollector.handler, collector.context)
            let status = xmlRelaxNGValidateDoc(validator, document.handle)
            collector.placeNamedElements()
            return status
        }
        if status == 0 { return [] }
        if !errors.isEmpty { return errors }
        return [XMLError(kind: .schema, message: "xmlRelaxNGValidateDoc failed (\(status))", source: document.source)]
    }
}
