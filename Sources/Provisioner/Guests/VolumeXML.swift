import LibXML2

// The volumes `create` makes, written through a parsed document (names and paths are escaped by
// the XML layer, never pasted into text).

enum VolumeXML {
    /// A qcow2 overlay of `capacity` bytes on `base`:
    /// `<volume><name/><capacity unit='bytes'/><target><format type='qcow2'/></target>
    /// <backingStore><path/><format type=base.format/></backingStore></volume>`.
    static func overlay(name: String, capacity: UInt64, base: BaseImage) throws(ProvisionerError) -> String {
        let document = XMLDocument(rootName: "volume")
        do {
            try document.root.appendChild("name", text: name)
            try document.root.appendChild("capacity", text: String(capacity), attributes: [("unit", "bytes")])
            try document.root.appendChild("target").appendChild("format", attributes: [("type", "qcow2")])
            let backing = try document.root.appendChild("backingStore")
            try backing.appendChild("path", text: base.path)
            try backing.appendChild("format", attributes: [("type", base.format)])
        } catch {
            throw ProvisionerError(.xml, "the overlay volume '\(name)' cannot be written as XML: \(error.message)")
        }
        return document.serialized()
    }

    /// A raw volume of exactly `capacity` bytes (the seed ISO).
    static func raw(name: String, capacity: UInt64) throws(ProvisionerError) -> String {
        try StorageXML.volume(name: name, capacity: capacity, format: .raw)
    }
}
