import LibXML2

/// Recovers a ``DomainSpec`` from a domain's XML (as libvirt returns it), so that kinvm's state
/// lives in libvirt and nowhere else.
public enum DomainSpecReader {
    public static func read(_ document: XMLDocument, source: String = "domain XML") throws(TemplateError) -> DomainSpec {
        let domain = document.root
        guard domain.name == "domain" else { throw .wrongRoot(source: source, expected: "domain", found: domain.name) }
        let devices = domain.firstChild(named: "devices")
        let maxVCPUs = Int(domain.firstChild(named: "vcpu")?.text.trimmingWhitespace() ?? "") ?? 1
        let vcpus = domain.firstChild(named: "vcpu")?.attribute("current").flatMap { Int($0) } ?? maxVCPUs
        let maxMemory = try size(domain.firstChild(named: "memory"), source: source)
        let memory = try size(domain.firstChild(named: "currentMemory"), source: source) ?? maxMemory
        return DomainSpec(
            name: domain.firstChild(named: "name")?.text ?? "",
            uuid: domain.firstChild(named: "uuid")?.text.lowercased(),
            virtType: DomainSpec.VirtType(rawValue: domain.attribute("type") ?? "") ?? .kvm,
            vcpus: vcpus,
            maxVCPUs: maxVCPUs,
            memory: memory ?? ByteSize(bytes: 0),
            maxMemory: maxMemory,
            disks: devices.map(readDisks) ?? [],
            seed: devices.flatMap { ManagedDevices.device("disk", alias: ManagedDevices.seed, in: $0) }.flatMap(volume),
            nics: devices.map(readNICs) ?? [],
            consoleLog: devices.flatMap(readConsoleLog),
            directBoot: readDirectBoot(domain),
            metadata: readMetadata(domain))
    }

    /// A libvirt size element (`<memory unit='KiB'>…</memory>`) as bytes.
    static func size(_ element: XMLElement?, source: String) throws(TemplateError) -> ByteSize? {
        guard let element else { return nil }
        let value = element.text.trimmingWhitespace()
        let unit = element.attribute("unit") ?? "KiB"
        do {
            // libvirt's default unit for memory is KiB, and 'b'/'bytes' are bytes.
            return try ByteSize(parsing: value + (unit == "bytes" ? "B" : unit))
        } catch {
            throw .xml(XMLError(
                kind: .invalidArgument, message: "<\(element.name)> has an unreadable size: \(error)", source: source,
                line: element.lineNumber))
        }
    }

    static func readDisks(_ devices: XMLElement) -> [DiskSpec] {
        var disks: [DiskSpec] = []
        while let element = ManagedDevices.device("disk", alias: ManagedDevices.diskAlias(disks.count), in: devices),
            let volume = volume(element)
        {
            let isData = !disks.isEmpty
            disks.append(
                DiskSpec(
                    volume: volume, format: element.firstChild(named: "driver")?.attribute("type") ?? "raw",
                    serial: isData ? element.firstChild(named: "serial")?.text : nil,
                    readOnly: isData && element.firstChild(named: "readonly") != nil))
        }
        return disks
    }

    static func volume(_ disk: XMLElement) -> VolumeRef? {
        guard let source = disk.firstChild(named: "source"), let pool = source.attribute("pool"),
            let volume = source.attribute("volume")
        else { return nil }
        return VolumeRef(pool: pool, volume: volume)
    }

    static func readNICs(_ devices: XMLElement) -> [NICSpec] {
        var nics: [NICSpec] = []
        while let element = ManagedDevices.device("interface", alias: ManagedDevices.nicAlias(nics.count), in: devices) {
            let mac = element.firstChild(named: "mac")?.attribute("address")
            let model = element.firstChild(named: "model")?.attribute("type") ?? "virtio"
            if element.attribute("type") == "user" {
                nics.append(.user(mac: mac, model: model))
            } else {
                nics.append(NICSpec(network: element.firstChild(named: "source")?.attribute("network") ?? "", mac: mac, model: model))
            }
        }
        return nics
    }

    static func readConsoleLog(_ devices: XMLElement) -> String? {
        guard let serial = devices.firstChild(named: "serial") else { return nil }
        if serial.attribute("type") == "file" { return serial.firstChild(named: "source")?.attribute("path") }
        return serial.firstChild(named: "log")?.attribute("file")
    }

    static func readDirectBoot(_ domain: XMLElement) -> DirectBoot? {
        guard let os = domain.firstChild(named: "os"), let kernel = os.firstChild(named: "kernel")?.text else { return nil }
        return DirectBoot(kernel: kernel, initrd: os.firstChild(named: "initrd")?.text, cmdline: os.firstChild(named: "cmdline")?.text)
    }

    /// kinvm's metadata element, when the domain has one with kinvm's owner marker.
    public static func readMetadata(_ domain: XMLElement) -> KinvmMetadata? {
        guard
            let element = domain.firstChild(named: "metadata")?
                .firstChild(named: KinvmMetadata.elementName, namespaceURI: KinvmMetadata.namespace),
            element.attribute("owner") == KinvmMetadata.owner
        else { return nil }
        return KinvmMetadata(
            cluster: element.attribute("cluster"), role: element.attribute("role"), pool: element.attribute("pool"),
            created: element.attribute("created"), ttlSeconds: element.attribute("ttl").flatMap { Int($0) },
            image: element.attribute("image").flatMap(volumeRef), template: element.attribute("template"),
            volumes: element.children(named: KinvmMetadata.volumeElementName, namespaceURI: KinvmMetadata.namespace)
                .compactMap { child in
                    guard let pool = child.attribute("pool"), let name = child.attribute("name") else { return nil }
                    return VolumeRef(pool: pool, volume: name)
                },
            join: element.attribute("join"), apiServer: element.attribute("api-server"),
            consoleLog: element.attribute("console-log"))
    }
}

/// `pool/volume` (the volume name may not contain '/', so the first '/' splits).
func volumeRef(_ text: String) -> VolumeRef? {
    guard let slash = text.firstIndex(of: "/") else { return nil }
    let pool = String(text[..<slash]), volume = String(text[text.index(after: slash)...])
    return pool.isEmpty || volume.isEmpty ? nil : VolumeRef(pool: pool, volume: volume)
}

extension DomainSpec {
    /// The spec with every default made explicit (ceilings, KiB-rounded memory), the form
    /// ``DomainSpecReader`` returns; compare specs in this form.
    public var normalized: DomainSpec {
        var copy = self
        copy.maxVCPUs = effectiveMaxVCPUs
        copy.memory = .kibibytes(memory.kibibytes)
        copy.maxMemory = .kibibytes(effectiveMaxMemory.kibibytes)
        copy.uuid = uuid?.lowercased()
        copy.nics = nics.map { nic in
            var nic = nic
            nic.mac = nic.mac?.lowercased()
            return nic
        }
        return copy
    }
}
