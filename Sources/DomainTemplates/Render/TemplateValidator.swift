import LibXML2

/// Checks documents against libvirt's own RelaxNG schemas before anything is defined.
public enum TemplateValidator {
    /// Throws ``TemplateError/schema(source:errors:)`` naming each failing element and the reason.
    public static func validate(_ document: XMLDocument, as kind: TemplateKind, source: String) throws(TemplateError) {
        let schema: RelaxNGSchema
        do {
            schema = try RelaxNGSchema.libvirt(kind.schema)
        } catch {
            throw .xml(error)
        }
        let errors = schema.validate(document)
        guard errors.isEmpty else { throw .schema(source: source, errors: errors) }
    }

    /// Parses, checks the root element and validates a file of any kind; returns the kind.
    @discardableResult
    public static func validateFile(_ path: String) throws(TemplateError) -> TemplateKind {
        let document: XMLDocument
        do {
            document = try XMLDocument(contentsOfFile: path)
        } catch {
            throw .malformed(error)
        }
        guard let kind = TemplateKind.allCases.first(where: { $0.rootElement == document.root.name }) else {
            throw .wrongRoot(source: path, expected: "domain, network or pool", found: document.root.name)
        }
        if kind == .domain, document.root.firstChild(named: "devices") == nil { throw .noDevices(source: path) }
        try validate(document, as: kind, source: path)
        return kind
    }
}
