/// Turns a host report into problems (kinvm cannot run guests until fixed) and notes (advice).
/// Pure functions of the report, tested without a host.
enum Diagnosis {
    static func problems(of report: HostReport) -> [String] {
        virtTypeProblems(report) + driverProblems(report) + poolProblems(report) + schemaProblems(report)
            + toolProblems(report)
    }

    static func notes(of report: HostReport) -> [String] {
        virtTypeNotes(report) + poolNotes(report) + templateNotes(report) + memoryNotes(report)
    }

    // MARK: Virt types and driver

    /// The virt types kinvm runs guests with (`kvm`, `qemu`) that libvirt lists for the host's
    /// architecture; empty when none is, or when nothing was looked at.
    static func listedVirtTypes(_ report: HostReport) -> [String] {
        report.virtTypes.filter(\.advertised).map(\.type)
    }

    /// Whether libvirt was asked and lists neither `kvm` nor `qemu`: no guest of kinvm's can start.
    static func nothingListed(_ report: HostReport) -> Bool {
        !report.virtTypes.isEmpty && listedVirtTypes(report).isEmpty
    }

    private static func virtTypeProblems(_ report: HostReport) -> [String] {
        var problems: [String] = []
        if nothingListed(report) {
            let fix =
                isQEMU(report)
                ? "install QEMU (apt-get install qemu-system-x86), then restart libvirtd, which reads the emulators at start"
                : "connect to a QEMU/KVM host (--connect qemu:///system); the '\(report.hypervisor)' driver runs no real guests"
            problems.append(
                "libvirt lists neither kvm nor qemu for \(report.host.cpuModel) guests on this host (its capabilities), "
                    + "so kinvm cannot start guests here; fix: \(fix)")
        }
        let probed = report.virtTypes.filter { $0.boots != nil }
        let skippedForFiles = report.virtTypes.contains { $0.boots == nil && $0.detail.contains("build-test-guest") }
        if skippedForFiles {
            return problems + ["cannot tell which virt types boot: the probe guest is missing; run scripts/build-test-guest.sh"]
        }
        // Nothing listed: the probe's "not listed" results say nothing more.
        if nothingListed(report) { return problems }
        if !probed.isEmpty, !probed.contains(where: { $0.boots == true }) {
            let details = probed.map { "\($0.type): \($0.detail)" }.joined(separator: "; ")
            return ["no virt type boots a guest on this host (\(details))"]
        }
        return []
    }

    private static func driverProblems(_ report: HostReport) -> [String] {
        guard !isQEMU(report), report.hypervisor.uppercased() != "TEST" else { return [] }
        return ["the '\(report.hypervisor)' driver is not supported: connect to a QEMU/KVM host (qemu:///system)"]
    }

    private static func isQEMU(_ report: HostReport) -> Bool { report.hypervisor.uppercased().hasPrefix("QEMU") }

    private static func virtTypeNotes(_ report: HostReport) -> [String] {
        var notes: [String] = []
        let kvm = report.virtTypes.first { $0.type == "kvm" }
        let qemu = report.virtTypes.first { $0.type == "qemu" }
        if let kvm, kvm.advertised, kvm.boots == false, qemu?.boots == true {
            notes.append(
                "KVM is listed by libvirt but guests do not boot with it (\(kvm.detail)); "
                    + "create guests with --virt-type qemu (TCG, slower) on this host")
        }
        if let kvm, !kvm.advertised, qemu?.boots == true {
            notes.append("KVM is not available: guests run with --virt-type qemu (TCG, slower)")
        }
        let listed = listedVirtTypes(report)
        if !listed.isEmpty, !report.virtTypes.contains(where: { $0.boots != nil }) {
            notes.append(
                "libvirt lists \(listed.joined(separator: " and ")), but no guest was booted (boot probe skipped), so whether "
                    + "guests boot here is unverified (KVM can be listed yet unusable); run kinvm doctor without --no-boot-probe")
        }
        return notes
    }

    /// The text report's last word when nothing must be fixed: that kinvm can run guests only
    /// when a probe guest booted; otherwise that no problem was found and booting is unverified.
    static func verdict(of report: HostReport) -> String? {
        guard report.problems.isEmpty else { return nil }
        if report.virtTypes.contains(where: { $0.boots == true }) { return "OK: kinvm can run guests on this host." }
        return "No problem found; that guests boot here is unverified (no guest was booted)."
    }

    private static func memoryNotes(_ report: HostReport) -> [String] {
        guard report.host.freeMemoryBytes < 1 << 30 else { return [] }
        return ["less than 1 GiB of host memory is free (\(Rendering.bytes(report.host.freeMemoryBytes)))"]
    }

    // MARK: Storage pools

    /// Free space below which an active pool gets a note.
    static let lowPoolSpace: UInt64 = 2 << 30

    static let createDefaultPool =
        "virsh pool-define-as default dir --target /var/lib/libvirt/images && virsh pool-build default"
        + " && virsh pool-start default && virsh pool-autostart default"
    static let startDefaultPool = "virsh pool-start default && virsh pool-autostart default"

    private static func poolProblems(_ report: HostReport) -> [String] {
        guard !report.pools.contains(where: \.active) else { return [] }
        if report.pools.contains(where: { $0.name == HostReport.defaultPool }) {
            return ["no active storage pool: guest images need one; start kinvm's default pool: \(startDefaultPool)"]
        }
        return ["no active storage pool: guest images need one; create kinvm's default pool: \(createDefaultPool)"]
    }

    private static func poolNotes(_ report: HostReport) -> [String] {
        let active = report.pools.filter(\.active)
        guard !active.isEmpty else { return [] }
        var notes: [String] = []
        if let pool = report.pools.first(where: { $0.name == HostReport.defaultPool }) {
            if !pool.active {
                notes.append(
                    "storage pool 'default', the one kinvm uses unless given --pool, is not active: \(startDefaultPool)")
            }
        } else {
            let names = active.map(\.name).joined(separator: ", ")
            notes.append(
                "there is no storage pool named 'default', the one kinvm uses unless given --pool: "
                    + "pass --pool (active: \(names)) or create it: \(createDefaultPool)")
        }
        for pool in active where pool.availableBytes < lowPoolSpace {
            notes.append(
                "storage pool '\(pool.name)' has only \(Rendering.bytes(pool.availableBytes)) free: "
                    + "base images and guest disks need more than 2 GiB")
        }
        return notes
    }

    // MARK: Schemas and templates

    private static func schemaProblems(_ report: HostReport) -> [String] {
        var problems: [String] = []
        let missing = report.schemas.filter { $0.path == nil }
        if !missing.isEmpty {
            let searched = missing[0].searched.joined(separator: ", ")
            problems.append(
                "libvirt's RelaxNG schemas are missing (\(missing.map(\.name).joined(separator: ", ")); looked in \(searched)): "
                    + "kinvm validates every guest against them before defining it; install libvirt-daemon "
                    + "(its libvirt0 dependency ships /usr/share/libvirt/schemas) or set KINVM_LIBVIRT_SCHEMAS "
                    + "to a directory holding them")
        }
        for schema in report.schemas {
            if let path = schema.path, let error = schema.error {
                problems.append("libvirt's schema \(schema.name) at \(path) cannot be loaded: \(error)")
            }
        }
        return problems
    }

    private static func templateNotes(_ report: HostReport) -> [String] {
        let templates = report.templates
        guard let directory = templates.directory else {
            return [
                "the templates kinvm ships were not found: install them as share/kinvm/templates next to "
                    + "kinvm's bin/ directory, or set KINVM_SHIPPED_TEMPLATES"
            ]
        }
        if templates.valid.isEmpty, templates.invalid.isEmpty {
            return [
                "no templates in \(directory) (the templates kinvm ships): set KINVM_SHIPPED_TEMPLATES to the "
                    + "directory holding domains/, networks/ and pools/"
            ]
        }
        // Without the schemas every template fails: that is one problem already, not a note per template.
        guard report.schemas.allSatisfy({ $0.error == nil }) else { return [] }
        return templates.invalid.map { "shipped template '\($0.template)' does not validate: \($0.error)" }
    }

    // MARK: Tools

    private static func toolProblems(_ report: HostReport) -> [String] {
        guard isQEMU(report) else { return [] }
        var problems: [String] = []
        for tool in report.tools where tool.status == .missing {
            switch tool.name {
            case "qemu-img":
                problems.append(
                    "qemu-img is not installed on this host: libvirt's storage driver needs it to create the "
                        + "qcow2 overlays guests boot from; install it: apt-get install qemu-utils")
            default:
                problems.append(
                    "the emulator libvirt would run (\(tool.path ?? "unknown")) is missing: "
                        + "install it: apt-get install qemu-system-x86")
            }
        }
        return problems
    }
}
