import LibXML2

/// Applies a ``DomainSpec`` to a parsed domain template: sets the fields kinvm owns and leaves
/// every other element, attribute, comment and blank exactly as the template has them.
///
/// Pure document editing: no files, no libvirt. Validation against libvirt's schema is a
/// separate step (``TemplateValidator``).
public enum DomainRenderer {
    /// Edits `document` in place. The spec is validated first; nothing is changed when it fails.
    public static func apply(_ spec: DomainSpec, to document: XMLDocument, source: String) throws(TemplateError) {
        do {
            try spec.validate()
        } catch {
            throw .spec(error)
        }
        let domain = document.root
        guard domain.name == "domain" else {
            throw .wrongRoot(source: source, expected: "domain", found: domain.name)
        }
        guard let devices = domain.firstChild(named: "devices") else { throw .noDevices(source: source) }
        do {
            try applyIdentity(spec, to: domain)
            try applyAccelerator(spec, to: domain)
            try applySizes(spec, to: domain)
            try applyDisks(spec, devices: devices)
            try applySeed(spec.seed, devices: devices)
            try applyNICs(spec.nics, devices: devices)
            if let consoleLog = spec.consoleLog { try applyConsoleLog(consoleLog, devices: devices) }
            if let directBoot = spec.directBoot { try applyDirectBoot(directBoot, to: domain) }
            try applyMetadata(spec.metadata, to: domain)
        } catch {
            throw .xml(error)
        }
    }

    static func applyIdentity(_ spec: DomainSpec, to domain: XMLElement) throws(XMLError) {
        try domain.setAttribute("type", spec.virtType.rawValue)
        try domainChild("name", of: domain).setText(spec.name)
        if let uuid = spec.uuid { try domainChild("uuid", of: domain).setText(uuid.lowercased()) }
    }

    /// Applies the TCG cache rule of ``applyAccelerator(_:to:)`` again to a domain whose sizes
    /// changed outside a render (e.g. a vCPU ceiling raised through libvirt's API).
    /// - Returns: whether the document changed (then it must be defined again).
    public static func updateAccelerator(in document: XMLDocument, source: String) throws(TemplateError) -> Bool {
        let before = document.serialized()
        let spec = try DomainSpecReader.read(document, source: source)
        do {
            try applyAccelerator(spec, to: document.root)
        } catch {
            throw .xml(error)
        }
        return document.serialized() != before
    }

    /// The TCG translation cache. QEMU's default (1 GiB) makes each TCG guest about 1 GB larger;
    /// 64 MiB costs no speed. But QEMU 7.2 aborts (`tcg_region_initial_alloc__locked: assertion
    /// failed`) when a vCPU is hot-plugged while every region of a small, full cache is taken,
    /// which happened within minutes in a booted Debian guest. So the small cache is set only
    /// when the spec leaves no room for vCPU hot-plug; a cache the template sets itself is kept.
    /// KVM guests must not have `<tcg>` at all.
    static func applyAccelerator(_ spec: DomainSpec, to domain: XMLElement) throws(XMLError) {
        let features = domain.firstChild(named: "features")
        switch spec.virtType {
        case .kvm:
            features?.removeChildren(named: "tcg")
        case .qemu:
            let ownCache = features?.firstChild(named: "tcg")?.firstChild(named: "tb-cache")
            let kinvmSet = ownCache.map { $0.attribute("unit") == "MiB" && $0.text == "64" } ?? false
            if spec.vcpus < spec.effectiveMaxVCPUs {
                // Hot-plug possible: drop kinvm's small cache (from an earlier render), keep a user's.
                if kinvmSet, let tcg = features?.firstChild(named: "tcg") {
                    tcg.removeChildren(named: "tb-cache")
                    if tcg.children.isEmpty { tcg.remove() }
                }
                return
            }
            guard ownCache == nil else { return }
            let cache = try domainChild("features", of: domain).child("tcg").child("tb-cache")
            try cache.setAttribute("unit", "MiB")
            try cache.setText("64")
        }
    }

    static func applySizes(_ spec: DomainSpec, to domain: XMLElement) throws(XMLError) {
        let vcpu = try domainChild("vcpu", of: domain)
        try vcpu.setText(String(spec.effectiveMaxVCPUs))
        try vcpu.setAttribute("current", spec.vcpus == spec.effectiveMaxVCPUs ? nil : String(spec.vcpus))
        let memory = try domainChild("memory", of: domain)
        try memory.setAttribute("unit", "KiB")
        try memory.setText(String(spec.effectiveMaxMemory.kibibytes))
        let current = try domainChild("currentMemory", of: domain)
        try current.setAttribute("unit", "KiB")
        try current.setText(String(spec.memory.kibibytes))
    }

    /// Spec disk 0 goes into the template's root disk; further spec disks into `ua-kinvm-diskN`
    /// disks, copied from the root disk when the template lacks them. Managed data disks the spec
    /// no longer has are removed. An empty spec leaves the template's disks alone.
    static func applyDisks(_ spec: DomainSpec, devices: XMLElement) throws(XMLError) {
        guard !spec.disks.isEmpty else { return }
        guard let rootDisk = ManagedDevices.device("disk", alias: ManagedDevices.root, in: devices) else {
            throw XMLError(
                kind: .invalidArgument,
                message: "the template has no root disk marked <alias name='\(ManagedDevices.root)'/>",
                source: "template")
        }
        for stale in ManagedDevices.devices("disk", aliasPrefix: "ua-kinvm-disk", in: devices) {
            let index = Int(ManagedDevices.alias(of: stale)!.dropFirst("ua-kinvm-disk".count)) ?? 0
            if index >= spec.disks.count { stale.remove() }
        }
        for (index, disk) in spec.disks.enumerated() {
            let alias = ManagedDevices.diskAlias(index)
            let element: XMLElement
            if let existing = ManagedDevices.device("disk", alias: alias, in: devices) {
                element = existing
            } else {
                element = devices.appendCopy(of: rootDisk)
                try element.child("alias").setAttribute("name", alias)
                try element.child("target").setAttribute("dev", ManagedDevices.freeTarget(in: devices))
                element.firstChild(named: "address")?.remove()
                element.firstChild(named: "boot")?.remove()
            }
            try setVolume(disk.volume, format: disk.format, on: element)
            if index > 0 {
                element.removeChildren(named: "serial")
                if let serial = disk.serial { try element.child("serial").setText(serial) }
                element.removeChildren(named: "readonly")
                if disk.readOnly { element.child("readonly") }
            }
        }
    }

    /// The seed disk `ua-kinvm-seed`: pointed at the seed volume, removed when the spec has no
    /// seed, or added (a read-only copy of the root disk's form) when the template lacks one.
    static func applySeed(_ seed: VolumeRef?, devices: XMLElement) throws(XMLError) {
        let existing = ManagedDevices.device("disk", alias: ManagedDevices.seed, in: devices)
        guard let seed else {
            existing?.remove()
            return
        }
        let element: XMLElement
        if let existing {
            element = existing
        } else {
            guard let rootDisk = ManagedDevices.device("disk", alias: ManagedDevices.root, in: devices) else {
                throw XMLError(
                    kind: .invalidArgument,
                    message: "the template has neither a seed disk nor a root disk (<alias name='ua-kinvm-seed'/> or "
                        + "<alias name='\(ManagedDevices.root)'/>) to add one after",
                    source: "template")
            }
            element = devices.appendCopy(of: rootDisk)
            try element.child("alias").setAttribute("name", ManagedDevices.seed)
            try element.child("target").setAttribute("dev", ManagedDevices.freeTarget(in: devices))
            for name in ["address", "boot"] { element.firstChild(named: name)?.remove() }
            element.child("readonly")
        }
        try setVolume(seed, format: "raw", on: element)
        for name in element.child("driver").attributeNames where !["name", "type"].contains(name) {
            try element.child("driver").setAttribute(name, nil)
        }
    }

    /// Points a disk element at a pool volume: `type='volume'`, `<source pool volume>`,
    /// `<driver name='qemu' type=format>`; the target, bus, cache, boot order and so on stay.
    static func setVolume(_ volume: VolumeRef, format: String, on disk: XMLElement) throws(XMLError) {
        try disk.setAttribute("type", "volume")
        let source: XMLElement
        if let old = disk.firstChild(named: "source") {
            for name in old.attributeNames { try old.setAttribute(name, nil) }
            source = old
        } else {
            source = disk.child("source")
        }
        try source.setAttribute("pool", volume.pool)
        try source.setAttribute("volume", volume.volume)
        let driver = disk.child("driver")
        try driver.setAttribute("name", "qemu")
        try driver.setAttribute("type", format)
    }

    /// NIC i goes into `ua-kinvm-nicI`, copied from `ua-kinvm-nic0` (or created) when missing;
    /// managed NICs beyond the spec's are removed.
    static func applyNICs(_ nics: [NICSpec], devices: XMLElement) throws(XMLError) {
        let managed = ManagedDevices.devices("interface", aliasPrefix: "ua-kinvm-nic", in: devices)
        let first = ManagedDevices.device("interface", alias: ManagedDevices.nicAlias(0), in: devices)
        for (index, nic) in nics.enumerated() {
            let alias = ManagedDevices.nicAlias(index)
            let element: XMLElement
            if let existing = ManagedDevices.device("interface", alias: alias, in: devices) {
                element = existing
            } else if let first {
                element = devices.appendCopy(of: first)
                element.firstChild(named: "address")?.remove()
                try element.child("alias").setAttribute("name", alias)
            } else {
                element = try devices.appendChild("interface")
                try element.child("alias").setAttribute("name", alias)
            }
            try element.setAttribute("type", nic.kind.rawValue)
            switch nic.kind {
            case .network:
                let source = element.child("source")
                for name in source.attributeNames { try source.setAttribute(name, nil) }
                try source.setAttribute("network", nic.network)
            case .user:
                element.removeChildren(named: "source")
            }
            if let mac = nic.mac {
                try element.child("mac").setAttribute("address", mac.lowercased())
            } else {
                element.firstChild(named: "mac")?.remove()
            }
            try element.child("model").setAttribute("type", nic.model)
        }
        for element in managed {
            let index = Int(ManagedDevices.alias(of: element)!.dropFirst("ua-kinvm-nic".count)) ?? 0
            if index >= nics.count { element.remove() }
        }
    }

    /// The first serial port's log: `<source path>` of a file serial, `<log file>` otherwise.
    static func applyConsoleLog(_ path: String, devices: XMLElement) throws(XMLError) {
        guard let serial = devices.firstChild(named: "serial") else {
            throw XMLError(kind: .invalidArgument, message: "the template has no <serial> to log the console of", source: "template")
        }
        if serial.attribute("type") == "file" {
            try serial.child("source").setAttribute("path", path)
        } else {
            let log = serial.child("log")
            try log.setAttribute("file", path)
            try log.setAttribute("append", "off")
        }
    }

    /// Direct kernel boot: `<kernel>`, `<initrd>` and `<cmdline>` in `<os>` where libvirt writes
    /// them (after `<type>`, `<loader>` and `<nvram>`), in place of the template's own; the
    /// `<boot dev>` order is dropped, as libvirt ignores it then.
    static func applyDirectBoot(_ boot: DirectBoot, to domain: XMLElement) throws(XMLError) {
        let os = try domainChild("os", of: domain)
        for name in ["kernel", "initrd", "cmdline", "boot"] { os.removeChildren(named: name) }
        let values = [("kernel", boot.kernel), ("initrd", boot.initrd), ("cmdline", boot.cmdline)]
        for case let (name, value?) in values {
            try ElementOrder.child(name, of: os, order: ElementOrder.os).setText(value)
        }
    }

    /// The child of `<domain>` named `name`, added where libvirt writes it when missing (see ``ElementOrder``).
    static func domainChild(_ name: String, of domain: XMLElement) throws(XMLError) -> XMLElement {
        try ElementOrder.child(name, of: domain, order: ElementOrder.domain)
    }

    /// Replaces kinvm's element under `<metadata>`; other applications' metadata stays.
    static func applyMetadata(_ metadata: KinvmMetadata?, to domain: XMLElement) throws(XMLError) {
        let existing = domain.firstChild(named: "metadata")
        existing?.removeChildren(named: KinvmMetadata.elementName, namespaceURI: KinvmMetadata.namespace)
        guard let metadata else { return }
        let container: XMLElement
        if let existing { container = existing } else { container = try domainChild("metadata", of: domain) }
        let instance = try container.appendChild(
            KinvmMetadata.elementName, attributes: metadata.attributes, namespaceURI: KinvmMetadata.namespace,
            prefix: KinvmMetadata.prefix)
        for volume in metadata.volumes {
            try instance.appendChild(
                KinvmMetadata.volumeElementName, attributes: [("pool", volume.pool), ("name", volume.volume)],
                namespaceURI: KinvmMetadata.namespace, prefix: KinvmMetadata.prefix)
        }
    }
}
