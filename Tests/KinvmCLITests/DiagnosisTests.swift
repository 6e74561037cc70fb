import Testing

@testable import kinvm

/// `Diagnosis` and the pure parts of `HostChecks`, on reports made up in the test: no host needed.
@Suite("Diagnosis")
struct DiagnosisTests {
    static let schemasFound = ["domain.rng", "network.rng", "storagepool.rng", "storagevol.rng"].map {
        HostReport.Schema(
            name: $0, path: "/usr/share/libvirt/schemas/\($0)", searched: ["/usr/share/libvirt/schemas"], error: nil)
    }
    static let templatesFound = HostReport.Templates(
        directory: "/opt/kinvm/templates", valid: ["domains/minimal", "pools/dir"], invalid: [])
    static let toolsFound = [
        HostReport.Tool(name: "emulator", path: "/usr/bin/qemu-system-x86_64", status: .found),
        HostReport.Tool(name: "qemu-img", path: "/usr/bin/qemu-img", status: .found),
    ]

    static func report(
        virtTypes: [VirtTypeResult], pools: [HostReport.Pool] = [activePool], freeMemory: UInt64 = 8 << 30,
        schemas: [HostReport.Schema] = schemasFound, templates: HostReport.Templates = templatesFound,
        tools: [HostReport.Tool] = toolsFound
    ) -> HostReport {
        HostReport(
            uri: "qemu:///system", canonicalURI: "qemu:///system", hostname: "lab", clientLibvirtVersion: "9.0.0",
            daemonLibvirtVersion: "9.0.0", hypervisor: "QEMU", hypervisorVersion: "7.2.0",
            host: .init(cpuModel: "x86_64", cpus: 8, memoryBytes: 16 << 30, freeMemoryBytes: freeMemory),
            virtTypes: virtTypes, pools: pools, networks: [], domains: [], schemas: schemas, templates: templates,
            tools: tools, problems: [], notes: [])
    }

    static let kvmBroken = VirtTypeResult(type: "kvm", advertised: true, boots: false, bootSeconds: nil, detail: "no boot marker")
    static let kvmWorks = VirtTypeResult(type: "kvm", advertised: true, boots: true, bootSeconds: 2, detail: "booted")
    static let qemuWorks = VirtTypeResult(type: "qemu", advertised: true, boots: true, bootSeconds: 4, detail: "booted")
    static let qemuBroken = VirtTypeResult(type: "qemu", advertised: true, boots: false, bootSeconds: nil, detail: "crashed")
    static let activePool = HostReport.Pool(name: "default", active: true, capacityBytes: 100 << 30, availableBytes: 50 << 30)

    static let createDefault =
        "virsh pool-define-as default dir --target /var/lib/libvirt/images && virsh pool-build default"
        + " && virsh pool-start default && virsh pool-autostart default"

    // MARK: Virt types and resources

    @Test("KVM that does not boot, with TCG working, is a note pointing at --virt-type qemu")
    func brokenKVM() {
        let report = Self.report(virtTypes: [Self.kvmBroken, Self.qemuWorks])
        #expect(Diagnosis.problems(of: report).isEmpty)
        let notes = Diagnosis.notes(of: report)
        #expect(notes.count == 1)
        #expect(notes.first?.contains("--virt-type qemu") == true)
    }

    @Test("a healthy KVM host has neither problems nor notes")
    func healthy() {
        let report = Self.report(virtTypes: [Self.kvmWorks, Self.qemuWorks])
        #expect(Diagnosis.problems(of: report).isEmpty)
        #expect(Diagnosis.notes(of: report).isEmpty)
    }

    @Test("nothing boots: one problem listing each type's reason")
    func nothingBoots() {
        let problems = Diagnosis.problems(of: Self.report(virtTypes: [Self.kvmBroken, Self.qemuBroken]))
        #expect(problems == ["no virt type boots a guest on this host (kvm: no boot marker; qemu: crashed)"])
    }

    static let kvmListed = VirtTypeResult(type: "kvm", advertised: true, boots: nil, bootSeconds: nil, detail: "boot probe skipped (--no-boot-probe)")
    static let qemuListed = VirtTypeResult(type: "qemu", advertised: true, boots: nil, bootSeconds: nil, detail: "boot probe skipped (--no-boot-probe)")
    static let kvmUnlisted = VirtTypeResult(type: "kvm", advertised: false, boots: nil, bootSeconds: nil, detail: "boot probe skipped (--no-boot-probe)")
    static let qemuUnlisted = VirtTypeResult(type: "qemu", advertised: false, boots: nil, bootSeconds: nil, detail: "boot probe skipped (--no-boot-probe)")

    @Test("listed but not probed: no problem, a note that booting is unverified, and no claim that guests run")
    func listedNotProbed() {
        var report = Self.report(virtTypes: [Self.kvmListed, Self.qemuListed])
        report.problems = Diagnosis.problems(of: report)
        report.notes = Diagnosis.notes(of: report)
        #expect(report.problems.isEmpty)
        #expect(report.notes == [
            "libvirt lists kvm and qemu, but no guest was booted (boot probe skipped), so whether guests boot here is unverified "
                + "(KVM can be listed yet unusable); run kinvm doctor without --no-boot-probe"
        ])
        let text = DoctorText.render(report)
        #expect(text.contains("No problem found; that guests boot here is unverified (no guest was booted)."))
        #expect(!text.contains("can run guests"))
        // Only qemu listed: named alone.
        let qemuOnly = Self.report(virtTypes: [Self.kvmUnlisted, Self.qemuListed])
        #expect(Diagnosis.problems(of: qemuOnly).isEmpty)
        #expect(Diagnosis.notes(of: qemuOnly).first?.hasPrefix("libvirt lists qemu, but no guest was booted") == true)
    }

    @Test("a QEMU host listing neither kvm nor qemu: one problem saying to install QEMU and restart libvirtd")
    func nothingListed() {
        let report = Self.report(virtTypes: [Self.kvmUnlisted, Self.qemuUnlisted])
        #expect(Diagnosis.problems(of: report) == [
            "libvirt lists neither kvm nor qemu for x86_64 guests on this host (its capabilities), so kinvm cannot start guests "
                + "here; fix: install QEMU (apt-get install qemu-system-x86), then restart libvirtd, which reads the emulators at start"
        ])
        var refused = report
        refused.problems = Diagnosis.problems(of: report)
        #expect(Diagnosis.verdict(of: refused) == nil)
    }

    @Test("OK is said only when a probe guest booted")
    func verdict() {
        #expect(Diagnosis.verdict(of: Self.report(virtTypes: [Self.kvmBroken, Self.qemuWorks])) == "OK: kinvm can run guests on this host.")
        #expect(Diagnosis.verdict(of: Self.report(virtTypes: [Self.kvmListed, Self.qemuListed]))?.hasPrefix("No problem found") == true)
    }

    @Test("low host memory is a note")
    func lowMemory() {
        let notes = Diagnosis.notes(of: Self.report(virtTypes: [Self.kvmWorks], freeMemory: 512 << 20))
        #expect(notes == ["less than 1 GiB of host memory is free (512 MiB)"])
    }

    // MARK: Storage pools

    @Test("no pool at all is a problem with the commands that create kinvm's default pool")
    func noPool() {
        let report = Self.report(virtTypes: [Self.kvmWorks], pools: [])
        #expect(Diagnosis.problems(of: report) == [
            "no active storage pool: guest images need one; create kinvm's default pool: \(Self.createDefault)"
        ])
        #expect(Diagnosis.notes(of: report).isEmpty)
    }

    @Test("only an inactive default pool: a problem saying to start it, no separate note")
    func inactiveDefaultOnly() {
        let report = Self.report(
            virtTypes: [Self.kvmWorks], pools: [.init(name: "default", active: false, capacityBytes: 0, availableBytes: 0)])
        #expect(Diagnosis.problems(of: report) == [
            "no active storage pool: guest images need one; start kinvm's default pool: "
                + "virsh pool-start default && virsh pool-autostart default"
        ])
        #expect(Diagnosis.notes(of: report).isEmpty)
    }

    @Test("an inactive default pool next to an active one is a note")
    func inactiveDefault() {
        let report = Self.report(virtTypes: [Self.kvmWorks], pools: [
            .init(name: "default", active: false, capacityBytes: 0, availableBytes: 0),
            .init(name: "images", active: true, capacityBytes: 100 << 30, availableBytes: 40 << 30),
        ])
        #expect(Diagnosis.problems(of: report).isEmpty)
        #expect(Diagnosis.notes(of: report) == [
            "storage pool 'default', the one kinvm uses unless given --pool, is not active: "
                + "virsh pool-start default && virsh pool-autostart default"
        ])
    }

    @Test("no pool named default is a note naming the active pools")
    func missingDefault() {
        let report = Self.report(virtTypes: [Self.kvmWorks], pools: [
            .init(name: "fast", active: true, capacityBytes: 100 << 30, availableBytes: 40 << 30),
            .init(name: "images", active: true, capacityBytes: 100 << 30, availableBytes: 40 << 30),
            .init(name: "old", active: false, capacityBytes: 0, availableBytes: 0),
        ])
        #expect(Diagnosis.notes(of: report) == [
            "there is no storage pool named 'default', the one kinvm uses unless given --pool: "
                + "pass --pool (active: fast, images) or create it: \(Self.createDefault)"
        ])
    }

    @Test("an active pool with less than 2 GiB free is a note; an inactive one is not")
    func lowPoolSpace() {
        let report = Self.report(virtTypes: [Self.kvmWorks], pools: [
            .init(name: "default", active: true, capacityBytes: 10 << 30, availableBytes: 1536 << 20),
            .init(name: "full", active: false, capacityBytes: 10 << 30, availableBytes: 0),
            .init(name: "roomy", active: true, capacityBytes: 10 << 30, availableBytes: 2 << 30),
        ])
        #expect(Diagnosis.problems(of: report).isEmpty)
        #expect(Diagnosis.notes(of: report) == [
            "storage pool 'default' has only 1.5 GiB free: base images and guest disks need more than 2 GiB"
        ])
    }

    // MARK: Schemas and templates

    @Test("missing schemas are one problem naming them, where kinvm looked and the package")
    func missingSchemas() {
        var schemas = Self.schemasFound
        for index in [0, 3] {
            schemas[index].path = nil
            schemas[index].searched = ["/opt/schemas", "/usr/share/libvirt/schemas"]
            schemas[index].error = "cannot find libvirt's RelaxNG schema"
        }
        let broken = HostReport.Templates(
            directory: "/t", valid: [], invalid: [.init(template: "domains/minimal", error: "cannot find libvirt's RelaxNG schema")])
        let report = Self.report(virtTypes: [Self.kvmWorks], schemas: schemas, templates: broken)
        #expect(Diagnosis.problems(of: report) == [
            "libvirt's RelaxNG schemas are missing (domain.rng, storagevol.rng; looked in /opt/schemas, "
                + "/usr/share/libvirt/schemas): kinvm validates every guest against them before defining it; "
                + "install libvirt-daemon (its libvirt0 dependency ships /usr/share/libvirt/schemas) or set "
                + "KINVM_LIBVIRT_SCHEMAS to a directory holding them"
        ])
        // The templates fail only because the schemas are missing: no note per template.
        #expect(Diagnosis.notes(of: report).isEmpty)
    }

    @Test("a schema that is found but does not compile is a problem with the file and the error")
    func brokenSchema() {
        var schemas = Self.schemasFound
        schemas[1].error = "Relax-NG parser error : xmlRelaxNGParse: could not load /x/basictypes.rng"
        let problems = Diagnosis.problems(of: Self.report(virtTypes: [Self.kvmWorks], schemas: schemas))
        #expect(problems == [
            "libvirt's schema network.rng at /usr/share/libvirt/schemas/network.rng cannot be loaded: "
                + "Relax-NG parser error : xmlRelaxNGParse: could not load /x/basictypes.rng"
        ])
    }

    @Test("an invalid shipped template is a note naming it and the error; missing templates are a note")
    func templates() {
        let invalid = HostReport.Templates(
            directory: "/t", valid: ["pools/dir"],
            invalid: [.init(template: "domains/minimal", error: "/t/domains/minimal.xml does not match libvirt's schema")])
        let report = Self.report(virtTypes: [Self.kvmWorks], templates: invalid)
        #expect(Diagnosis.problems(of: report).isEmpty)
        #expect(Diagnosis.notes(of: report) == [
            "shipped template 'domains/minimal' does not validate: /t/domains/minimal.xml does not match libvirt's schema"
        ])
        let none = Self.report(virtTypes: [Self.kvmWorks], templates: .init(directory: nil, valid: [], invalid: []))
        #expect(Diagnosis.notes(of: none) == [
            "the templates kinvm ships were not found: install them as share/kinvm/templates next to "
                + "kinvm's bin/ directory, or set KINVM_SHIPPED_TEMPLATES"
        ])
        let empty = Self.report(virtTypes: [Self.kvmWorks], templates: .init(directory: "/empty", valid: [], invalid: []))
        #expect(Diagnosis.notes(of: empty) == [
            "no templates in /empty (the templates kinvm ships): set KINVM_SHIPPED_TEMPLATES to the directory "
                + "holding domains/, networks/ and pools/"
        ])
    }

    // MARK: Tools

    @Test("missing qemu-img and emulator on a QEMU host are problems with the apt packages")
    func missingTools() {
        let tools = [
            HostReport.Tool(name: "emulator", path: "/usr/bin/qemu-system-x86_64", status: .missing),
            HostReport.Tool(name: "qemu-img", path: nil, status: .missing),
        ]
        let report = Self.report(virtTypes: [Self.kvmWorks], tools: tools)
        #expect(Diagnosis.problems(of: report) == [
            "the emulator libvirt would run (/usr/bin/qemu-system-x86_64) is missing: install it: apt-get install qemu-system-x86",
            "qemu-img is not installed on this host: libvirt's storage driver needs it to create the qcow2 overlays "
                + "guests boot from; install it: apt-get install qemu-utils",
        ])
        var test = report
        test.hypervisor = "TEST"
        #expect(Diagnosis.problems(of: test).isEmpty, "the test driver runs no tools")
    }

    @Test("tools not checked on a remote host, or unknown, are no problem")
    func remoteTools() {
        let tools = [
            HostReport.Tool(name: "emulator", path: nil, status: .unknown),
            HostReport.Tool(name: "qemu-img", path: nil, status: .notChecked),
        ]
        #expect(Diagnosis.problems(of: Self.report(virtTypes: [Self.kvmWorks], tools: tools)).isEmpty)
    }

    @Test("a URI is local when it has no host part", arguments: [
        ("qemu:///system", true), ("qemu+unix:///system?socket=/run/x.sock", true), ("test:///default", true),
        ("qemu+ssh://root@lab1/system", false), ("qemu+tcp://10.0.0.5:16509/system", false), ("qemu://lab/system", false),
    ])
    func localURI(uri: String, local: Bool) {
        #expect(HostChecks.isLocal(uri: uri) == local)
    }

    @Test("tools: local hosts look for the files, remote hosts are not checked, no capabilities is unknown")
    func toolChecks() {
        let present: Set = ["/usr/bin/qemu-system-x86_64", "/opt/qemu/bin/qemu-img"]
        let local = HostChecks.tools(
            local: true, emulator: "/usr/bin/qemu-system-x86_64", pathVariable: "/opt/qemu/bin:/usr/bin",
            isExecutable: present.contains)
        #expect(local.map(\.name) == ["emulator", "qemu-img"])
        #expect(local.map(\.status) == [.found, .found])
        #expect(local.last?.path == "/opt/qemu/bin/qemu-img")
        let bare = HostChecks.tools(local: true, emulator: nil, pathVariable: nil) { _ in false }
        #expect(bare.map(\.status) == [.unknown, .missing])
        #expect(bare.map(\.path) == [nil, nil])
        let remote = HostChecks.tools(local: false, emulator: "/usr/bin/qemu-system-x86_64", pathVariable: "/usr/bin") { _ in
            Issue.record("a remote host's files must not be looked at")
            return false
        }
        #expect(remote.map(\.status) == [.notChecked, .notChecked])
        #expect(remote.first?.path == "/usr/bin/qemu-system-x86_64")
        #expect(HostReport.ToolStatus.notChecked.rawValue == "not checked (remote host)")
    }

    @Test("the emulator comes from domain capabilities' <path>")
    func emulatorFromCapabilities() throws {
        let xml = """
            <domainCapabilities><path>/usr/bin/qemu-system-x86_64</path><domain>kvm</domain>
            <machine>pc-i440fx-7.2</machine><arch>x86_64</arch></domainCapabilities>
            """
        #expect(try HostChecks.emulatorPath(domainCapabilitiesXML: xml) == "/usr/bin/qemu-system-x86_64")
        #expect(try HostChecks.emulatorPath(domainCapabilitiesXML: "<domainCapabilities/>") == nil)
    }

    @Test("the schema search path puts $KINVM_LIBVIRT_SCHEMAS first when set")
    func schemaSearchPath() {
        #expect(HostChecks.schemaSearchPath(environment: [:]) == ["/usr/share/libvirt/schemas"])
        #expect(HostChecks.schemaSearchPath(environment: ["KINVM_LIBVIRT_SCHEMAS": ""]) == ["/usr/share/libvirt/schemas"])
        #expect(HostChecks.schemaSearchPath(environment: ["KINVM_LIBVIRT_SCHEMAS": "/x"]) == ["/x", "/usr/share/libvirt/schemas"])
    }
}
