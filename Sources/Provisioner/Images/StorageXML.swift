import LibXML2

// The volume and domain XML the image store writes and reads, always through a parsed document:
// names from users are escaped by the XML layer, never pasted into text.

enum StorageXML {
    /// A new volume of `capacity` bytes: `<volume><name/><capacity unit='bytes'/><target><format/></target></volume>`.
    static func volume(name: String, capacity: UInt64, format: ImageFormat) throws(ProvisionerError) -> String {
        let document = XMLDocument(rootName: "volume")
        do {
            try document.root.appendChild("name", text: name)
            try document.root.appendChild("capacity", text: String(capacity), attributes: [("unit", "bytes")])
            let target = try document.root.appendChild("target")
            try target.appendChild("format", attributes: [("type", format.rawValue)])
        } catch {
            throw ProvisionerError(.invalidArgument, "the volume name '\(name)' cannot be written as XML: \(error.message)")
        }
        return document.serialized()
    }

    /// A `dir` storage pool on `path`: `<pool type='dir'><name/><target><path/></target></pool>`.
    static func directoryPool(name: String, path: String) throws(ProvisionerError) -> String {
        let document = XMLDocument(rootName: "pool")
        do {
            try document.root.setAttribute("type", "dir")
            try document.root.appendChild("name", text: name)
            try document.root.appendChild("target").appendChild("path", text: path)
        } catch {
            throw ProvisionerError(.invalidArgument, "the directory '\(path)' cannot be written as a pool's XML: \(error.message)")
        }
        return document.serialized()
    }

    /// The target directory in a pool's XML (empty for pools without one).
    static func poolTargetPath(_ xml: String, pool: String) throws(ProvisionerError) -> String {
        let document = try parse(xml, "pool '\(pool)'")
        do {
            return try document.evaluateString("/pool/target/path")
        } catch {
            throw ProvisionerError(.xml, "cannot read the target of pool '\(pool)': \(error)")
        }
    }

    /// What the image store reads from a volume's XML.
    struct VolumeFacts: Sendable, Hashable {
        var path: String
        var format: String
        var backingPath: String?
    }

    static func volumeFacts(_ xml: String, volume: String) throws(ProvisionerError) -> VolumeFacts {
        let document = try parse(xml, "volume '\(volume)'")
        do {
            let backing = try document.evaluateString("/volume/backingStore/path")
            return VolumeFacts(
                path: try document.evaluateString("/volume/target/path"),
                format: try document.evaluateString("/volume/target/format/@type"),
                backingPath: backing.isEmpty ? nil : backing)
        } catch {
            throw ProvisionerError(.xml, "cannot read the XML of volume '\(volume)': \(error)")
        }
    }

    /// The disks of a domain's XML with their sources and backing chains.
    static func domainDisks(_ xml: String, domain: String) throws(ProvisionerError) -> [ImageUsage.Disk] {
        let document = try parse(xml, "domain '\(domain)'")
        do {
            return try document.select("/domain/devices/disk").map { disk in
                let source = disk.firstChild(named: "source")
                var backingFiles: [String] = []
                var store = disk.firstChild(named: "backingStore")
                while let current = store {
                    if let file = current.firstChild(named: "source")?.attribute("file") { backingFiles.append(file) }
                    store = current.firstChild(named: "backingStore")
                }
                return ImageUsage.Disk(
                    file: source?.attribute("file"), pool: source?.attribute("pool"),
                    volume: source?.attribute("volume"), backingFiles: backingFiles)
            }
        } catch {
            throw ProvisionerError(.xml, "cannot read the disks of domain '\(domain)': \(error)")
        }
    }

    private static func parse(_ xml: String, _ what: String) throws(ProvisionerError) -> XMLDocument {
        do {
            return try XMLDocument(parsing: xml, source: what)
        } catch {
            throw ProvisionerError(.xml, "libvirt returned XML for \(what) that cannot be parsed: \(error)")
        }
    }
}
