import CLibvirt

extension Domain {
    /// Which metadata field to read or write (`virDomainMetadataType`).
    public enum MetadataField: Sendable, Hashable {
        /// `VIR_DOMAIN_METADATA_DESCRIPTION`: the free-text `<description>`.
        case description
        /// `VIR_DOMAIN_METADATA_TITLE`: the one-line `<title>`.
        case title
        /// `VIR_DOMAIN_METADATA_ELEMENT`: an application's own XML element under `<metadata>`,
        /// identified by its namespace URI and written with the given prefix.
        case element(namespace: String, prefix: String)

        var type: Int32 {
            switch self {
            case .description: Int32(VIR_DOMAIN_METADATA_DESCRIPTION.rawValue)
            case .title: Int32(VIR_DOMAIN_METADATA_TITLE.rawValue)
            case .element: Int32(VIR_DOMAIN_METADATA_ELEMENT.rawValue)
            }
        }
    }

    /// Reads a metadata field (`virDomainGetMetadata`); nil when the domain has none.
    public func metadata(_ field: MetadataField, flags: Impact = .current) async throws(LibvirtError) -> String? {
        try await call("virDomainGetMetadata") { handle in
            let uri: String? = if case .element(let namespace, _) = field { namespace } else { nil }
            let result = takeString(virDomainGetMetadata(handle, field.type, uri, flags.rawValue), "virDomainGetMetadata")
            if case .failure(let error) = result, error.code == .noDomainMetadata { return .success(nil) }
            return result.map { Optional($0) }
        }
    }

    /// Writes a metadata field, or removes it when `value` is nil (`virDomainSetMetadata`). For
    /// `.element`, `value` is one XML element; libvirt puts it in the field's namespace.
    public func setMetadata(_ value: String?, for field: MetadataField, flags: Impact = .current)
        async throws(LibvirtError)
    {
        try await callStatus("virDomainSetMetadata") { handle in
            switch field {
            case .element(let namespace, let prefix):
                virDomainSetMetadata(handle, field.type, value, prefix, namespace, flags.rawValue)
            case .description, .title:
                virDomainSetMetadata(handle, field.type, value, nil, nil, flags.rawValue)
            }
        }
    }
}
