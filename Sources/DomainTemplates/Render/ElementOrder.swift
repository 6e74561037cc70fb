import LibXML2

/// Where kinvm puts an element it adds to a template: where libvirt itself writes it (the order of
/// `virsh dumpxml`, libvirt 9's `virDomainDefFormat`), never simply last.
///
/// libvirt's schema allows the children of `<domain>` and `<os>` in any order (RELAX NG
/// `<interleave>`), but libxml2's validator (kinvm's and `xmllint --relaxng`'s) rejects some orders
/// that are valid: when the elements of two *nested* interleaves cross, e.g. `ids` (`<name>`,
/// `<uuid>`) and `resources` (`<memory>`, `<currentMemory>`, `<vcpu>`) in
/// `name, memory, …, devices, uuid, currentMemory`. It then reports the next element it cannot
/// place, e.g. "Extra element os in interleave". Appending `<uuid>` and `<currentMemory>` to a
/// template that lacked both made exactly that order. In libvirt's order each such group stays
/// together, so an element added next to its neighbours there never crosses another group.
enum ElementOrder {
    /// The children of `<domain>`, in libvirt's order.
    static let domain = [
        "name", "uuid", "genid", "title", "description", "metadata", "maxMemory", "memory", "currentMemory",
        "blkiotune", "memtune", "memoryBacking", "vcpu", "vcpus", "iothreads", "iothreadids", "defaultiothread",
        "cputune", "numatune", "resource", "sysinfo", "bootloader", "bootloader_args", "os", "idmap", "features",
        "cpu", "clock", "on_poweroff", "on_reboot", "on_crash", "on_lockfailure", "pm", "perf", "devices",
        "seclabel", "keywrap", "launchSecurity",
    ]

    /// The children of `<os>` (HVM), in libvirt's order.
    static let os = [
        "type", "firmware", "init", "loader", "nvram", "kernel", "initrd", "cmdline", "dtb", "root", "initarg",
        "initenv", "initdir", "inituser", "initgroup", "boot", "bootmenu", "smbios", "bios", "acpi",
    ]

    /// The first child of `parent` named `name` (in no namespace); when there is none, a new empty
    /// one placed by `order`: right after the last child of the nearest name before `name` in
    /// `order` that `parent` has; without one, right before the first child whose name comes after
    /// `name`; without either, last. Children whose names `order` lacks are not looked at.
    static func child(_ name: String, of parent: XMLElement, order: [String]) throws(XMLError) -> XMLElement {
        if let existing = parent.firstChild(named: name) { return existing }
        guard let position = order.firstIndex(of: name) else { return parent.child(name) }
        let known = parent.children.filter { $0.namespaceURI == nil }.compactMap { child in
            order.firstIndex(of: child.name).map { (child: child, position: $0) }
        }
        if let nearest = known.filter({ $0.position < position }).map(\.position).max(),
            let anchor = known.last(where: { $0.position == nearest })?.child
        {
            return try parent.insertChild(name, after: anchor)
        }
        if let next = known.first(where: { $0.position > position })?.child {
            return try parent.insertChild(name, before: next)
        }
        return parent.child(name)
    }
}
