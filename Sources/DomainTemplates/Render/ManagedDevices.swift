import LibXML2

/// How kinvm finds the devices it manages inside a template: by user alias
/// (`<alias name='ua-kinvm-…'/>`, which libvirt keeps and validates), never by position, so a
/// template may hold any number of devices of its own.
///
/// - `ua-kinvm-root`: the root disk (spec disk 0); `ua-kinvm-disk1`, `ua-kinvm-disk2`, …: further
///   spec disks (added by copying the root disk when the template has none).
/// - `ua-kinvm-seed`: the cloud-init seed disk (removed when the spec has no seed).
/// - `ua-kinvm-nic0`, `ua-kinvm-nic1`, …: the spec's NICs, in order.
enum ManagedDevices {
    static let prefix = "ua-kinvm-"
    static let root = "ua-kinvm-root"
    static let seed = "ua-kinvm-seed"

    static func diskAlias(_ index: Int) -> String { index == 0 ? root : "ua-kinvm-disk\(index)" }
    static func nicAlias(_ index: Int) -> String { "ua-kinvm-nic\(index)" }

    /// The alias name of a device element, if it has one.
    static func alias(of device: XMLElement) -> String? {
        device.firstChild(named: "alias")?.attribute("name")
    }

    /// The device elements of one kind (`disk`, `interface`) that carry the given alias.
    static func device(_ kind: String, alias: String, in devices: XMLElement) -> XMLElement? {
        devices.children(named: kind).first { Self.alias(of: $0) == alias }
    }

    /// Managed device elements of one kind whose alias starts with `prefix`, e.g. all `ua-kinvm-nic`.
    static func devices(_ kind: String, aliasPrefix: String, in devices: XMLElement) -> [XMLElement] {
        devices.children(named: kind).filter { Self.alias(of: $0)?.hasPrefix(aliasPrefix) == true }
    }

    /// The first free virtio target name (`vda`, `vdb`, …) among the domain's disks.
    static func freeTarget(in devices: XMLElement, prefix: String = "vd") -> String {
        let used = Set(devices.children(named: "disk").compactMap { $0.firstChild(named: "target")?.attribute("dev") })
        for letter in "abcdefghijklmnopqrstuvwxyz" where !used.contains("\(prefix)\(letter)") {
            return "\(prefix)\(letter)"
        }
        return "\(prefix)aa"
    }
}
