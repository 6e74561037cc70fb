import LibXML2

/// Why a template could not be found, read, rendered or validated.
public enum TemplateError: Error, Sendable, CustomStringConvertible {
    /// No template of that kind and name in the search path.
    case unknownTemplate(name: String, kind: TemplateKind, known: [String], searched: [String])
    /// The template is not well-formed XML (the error has line and column).
    case malformed(XMLError)
    /// The template's root element is not the one its kind needs.
    case wrongRoot(source: String, expected: String, found: String)
    /// A domain template without `<devices>`.
    case noDevices(source: String)
    /// The rendered document fails libvirt's RelaxNG schema.
    case schema(source: String, errors: [XMLError])
    /// The spec applied to the template is invalid.
    case spec(SpecError)
    /// An XML operation failed (e.g. an invalid character in a value).
    case xml(XMLError)

    public var description: String {
        switch self {
        case .unknownTemplate(let name, let kind, let known, let searched):
            let list = known.isEmpty ? "none" : known.joined(separator: ", ")
            return "no \(kind) template named '\(name)' (known: \(list); searched: \(searched.joined(separator: ", ")))"
        case .malformed(let error):
            return "malformed template: \(error)"
        case .wrongRoot(let source, let expected, let found):
            return "\(source): the root element is <\(found)>, but a \(expected) template needs <\(expected)>"
        case .noDevices(let source):
            return "\(source): a domain template needs a <devices> element (disks, NICs and consoles live there)"
        case .schema(let source, let errors):
            let lines = errors.prefix(5).map { "  \($0)" }.joined(separator: "\n")
            let more = errors.count > 5 ? "\n  (\(errors.count - 5) more)" : ""
            return "\(source) does not match libvirt's schema:\n\(lines)\(more)"
        case .spec(let error):
            return "invalid spec: \(error)"
        case .xml(let error):
            return "\(error)"
        }
    }
}

/// The kinds of templates kinvm ships, by the libvirt object they describe.
public enum TemplateKind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case domain, network, pool

    /// The folder under a template directory, e.g. `domains/`.
    public var directory: String { rawValue + "s" }

    /// The root element a template of this kind has.
    public var rootElement: String {
        switch self {
        case .domain: "domain"
        case .network: "network"
        case .pool: "pool"
        }
    }

    /// libvirt's schema for it.
    public var schema: RelaxNGSchema.Libvirt {
        switch self {
        case .domain: .domain
        case .network: .network
        case .pool: .storagePool
        }
    }

    public var description: String { rawValue }
}
