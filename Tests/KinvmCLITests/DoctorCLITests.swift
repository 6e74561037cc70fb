import Foundation
import Testing
import Yams

@testable import kinvm

@Suite("kinvm doctor (real binary)")
struct DoctorCLITests {
    /// The one problem of the test host: its driver lists neither kvm nor qemu (only `test`).
    static let nothingListed =
        "libvirt lists neither kvm nor qemu for i686 guests on this host (its capabilities), so kinvm cannot start guests here; "
        + "fix: connect to a QEMU/KVM host (--connect qemu:///system); the 'TEST' driver runs no real guests"

    @Test("reports the test host as JSON without the boot probe; it lists neither kvm nor qemu: exit 1")
    func jsonReport() throws {
        let result = try CLIRunner.run(["doctor", "--connect", "test:///default", "--no-boot-probe", "-o", "json"])
        #expect(result.status == 1, "stderr: \(result.stderr)")
        let report = try JSONDecoder().decode(HostReport.self, from: Data(result.stdout.utf8))
        #expect(report.hypervisor == "TEST")
        #expect(report.canonicalURI == "test:///default")
        #expect(report.host.cpus == 16)
        #expect(report.domains.map(\.name) == ["test"])
        #expect(report.domains.first?.state == "running")
        #expect(report.networks.map(\.name) == ["default"])
        #expect(report.pools.map(\.name) == ["default-pool"])
        #expect(report.virtTypes.map(\.type) == ["kvm", "qemu"])
        #expect(report.virtTypes.allSatisfy { $0.boots == nil && !$0.advertised })
        #expect(report.problems == [Self.nothingListed])
        // libvirt's schemas load from where libvirt installs them.
        #expect(report.schemas.map(\.name) == ["domain.rng", "network.rng", "storagepool.rng", "storagevol.rng"])
        #expect(report.schemas.allSatisfy { $0.error == nil && $0.path == "/usr/share/libvirt/schemas/\($0.name)" })
        // The templates of this checkout, found next to the built binary, all validate.
        #expect(report.templates.directory == "\(CLIRunner.repository)/Templates")
        #expect(report.templates.valid.contains("domains/minimal"))
        #expect(report.templates.valid.contains("pools/dir"))
        #expect(report.templates.invalid.isEmpty)
        // The test driver has no domain capabilities; the URI is local, so qemu-img is looked for.
        #expect(report.tools.map(\.name) == ["emulator", "qemu-img"])
        #expect(report.tools.first?.status == .unknown)
        #expect(report.tools.last?.status == .found)
        #expect(report.tools.last?.path?.hasSuffix("/qemu-img") == true)
        // The test host's only pool is 'default-pool': kinvm's default pool is missing.
        #expect(report.notes.contains { $0.hasPrefix("there is no storage pool named 'default'") && $0.contains("(active: default-pool)") })
    }

    @Test("a schema that does not compile, found through $KINVM_LIBVIRT_SCHEMAS, is a problem: exit 1")
    func brokenSchema() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "<grammar xmlns='http://relaxng.org/ns/structure/1.0'><start><nonsense/></start></grammar>"
            .write(toFile: "\(directory)/domain.rng", atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(
            ["doctor", "-c", "test:///default", "--no-boot-probe", "-o", "json"], environment: ["KINVM_LIBVIRT_SCHEMAS": directory])
        #expect(result.status == 1, "stderr: \(result.stderr)")
        let report = try JSONDecoder().decode(HostReport.self, from: Data(result.stdout.utf8))
        let domain = try #require(report.schemas.first)
        #expect(domain.path == "\(directory)/domain.rng")
        #expect(domain.searched == [directory, "/usr/share/libvirt/schemas"])
        #expect(domain.error != nil)
        #expect(report.schemas.dropFirst().allSatisfy { $0.error == nil && $0.path?.hasPrefix("/usr/share/libvirt/schemas/") == true })
        #expect(report.problems.count == 2)
        #expect(report.problems.first == Self.nothingListed)
        #expect(report.problems.last?.hasPrefix("libvirt's schema domain.rng at \(directory)/domain.rng cannot be loaded: ") == true)
        // The domain templates fail for the same reason: not repeated as notes.
        #expect(!report.notes.contains { $0.contains("shipped template") })
    }

    @Test("an invalid shipped template is a note naming it; the others are listed as valid")
    func invalidTemplate() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for folder in ["domains", "pools"] {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(folder)", withIntermediateDirectories: true)
        }
        try "<domain type='kvm'><name>x</name><memory>1</memory><os><type>hvm</type></os><devices/><bogus/></domain>"
            .write(toFile: "\(directory)/domains/bad.xml", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(
            atPath: "\(CLIRunner.repository)/Templates/pools/dir.xml", toPath: "\(directory)/pools/dir.xml")
        let environment = ["KINVM_SHIPPED_TEMPLATES": directory]
        let json = try CLIRunner.run(["doctor", "-c", "test:///default", "--no-boot-probe", "-o", "json"], environment: environment)
        #expect(json.status == 1, "stderr: \(json.stderr)")
        #expect(try JSONDecoder().decode(HostReport.self, from: Data(json.stdout.utf8)).problems == [Self.nothingListed])
        let report = try JSONDecoder().decode(HostReport.self, from: Data(json.stdout.utf8))
        #expect(report.templates.directory == directory)
        #expect(report.templates.valid == ["pools/dir"])
        #expect(report.templates.invalid.map(\.template) == ["domains/bad"])
        let note = try #require(report.notes.first { $0.hasPrefix("shipped template 'domains/bad' does not validate: ") })
        #expect(note.contains("\(directory)/domains/bad.xml"))
        #expect(!note.contains("\n"))
        let text = try CLIRunner.run(["doctor", "-c", "test:///default", "--no-boot-probe"], environment: environment)
        #expect(text.stdout.contains("Templates (\(directory)):"), "\(text.stdout)")
        #expect(text.stdout.contains("domains/bad   invalid"), "\(text.stdout)")
        #expect(text.stdout.contains("pools/dir     valid"), "\(text.stdout)")
    }

    @Test("a template directory with no templates is a note")
    func noTemplates() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CLIRunner.run(
            ["doctor", "-c", "test:///default", "--no-boot-probe", "-o", "yaml"], environment: ["KINVM_SHIPPED_TEMPLATES": directory])
        #expect(result.status == 1, "stderr: \(result.stderr)")
        let report = try YAMLDecoder().decode(HostReport.self, from: result.stdout)
        #expect(report.templates.valid.isEmpty && report.templates.invalid.isEmpty)
        #expect(report.notes.contains { $0.hasPrefix("no templates in \(directory) (the templates kinvm ships)") })
    }

    static func scratch() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-doctor-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("YAML output decodes to the same report")
    func yamlReport() throws {
        let result = try CLIRunner.run(["doctor", "-c", "test:///default", "--no-boot-probe", "-o", "yaml"])
        #expect(result.status == 1, "stderr: \(result.stderr)")
        let report = try YAMLDecoder().decode(HostReport.self, from: result.stdout)
        #expect(report.hypervisor == "TEST")
        #expect(report.networks.first?.bridge == "virbr0")
    }

    @Test("text output names every section")
    func textReport() throws {
        let result = try CLIRunner.run(["doctor", "--no-boot-probe"], environment: ["KINVM_CONNECT": "test:///default"])
        #expect(result.status == 1, "stderr: \(result.stderr)")
        for heading in [
            "Hypervisor  TEST", "VIRT TYPE", "Storage pools:", "Schemas:", "domain.rng", "Templates (", "domains/minimal",
            "Tools:", "emulator   unknown", "Networks:", "Domains:", "Problems to fix:", "Notes:",
        ] {
            #expect(result.stdout.contains(heading), "missing \(heading) in:\n\(result.stdout)")
        }
    }

    @Test("without the boot probe, a host listing neither kvm nor qemu is a problem with its fix, never OK")
    func nothingListedWithoutProbe() throws {
        // The test driver lists only its own type, 'test'.
        let result = try CLIRunner.run(["doctor", "-c", "test:///default", "--no-boot-probe"])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("kvm         no       -       -         boot probe skipped (--no-boot-probe)"), "\(result.stdout)")
        #expect(lines.contains("  - \(Self.nothingListed)"), "\(result.stdout)")
        #expect(!result.stdout.contains("OK"), "\(result.stdout)")
        #expect(!result.stdout.contains("can run guests"), "\(result.stdout)")
    }

    @Test("with the boot probe, a host listing neither kvm nor qemu exits 1 with that problem only")
    func nothingListedWithProbe() throws {
        let result = try CLIRunner.run([
            "doctor", "-c", "test:///default", "--probe-kernel", "/etc/hostname", "--probe-initrd", "/etc/hostname", "-o", "json",
        ])
        #expect(result.status == 1)
        let report = try JSONDecoder().decode(HostReport.self, from: Data(result.stdout.utf8))
        #expect(report.virtTypes.map(\.detail) == ["not listed in the host capabilities", "not listed in the host capabilities"])
        #expect(report.problems == [Self.nothingListed])
    }

    @Test("a missing probe guest is a problem that names the script that builds it")
    func missingProbeFiles() throws {
        let result = try CLIRunner.run([
            "doctor", "-c", "test:///default", "--probe-kernel", "/nonexistent/vmlinuz", "-o", "json",
        ])
        #expect(result.status == 1)
        let report = try JSONDecoder().decode(HostReport.self, from: Data(result.stdout.utf8))
        #expect(report.problems.contains { $0.contains("scripts/build-test-guest.sh") })
    }

    @Test("an unreachable daemon exits 1 with the cause and the fix, nothing on stdout")
    func deadDaemon() throws {
        let result = try CLIRunner.run(["doctor", "-c", "qemu+unix:///system?socket=/nonexistent/kinvm.sock"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("cannot connect to libvirt at 'qemu+unix:///system?socket=/nonexistent/kinvm.sock'"))
        #expect(result.stderr.contains("scripts/libvirtd.sh start"))
        // Only kinvm's own message: libvirt itself never prints.
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 2, "stderr: \(result.stderr)")
        #expect(lines.first?.hasPrefix("kinvm: ") == true)
    }

    @Test("bad arguments exit 64 (EX_USAGE) with a usage message", arguments: [
        ["doctor", "--connect", ""], ["doctor", "-o", "xml"], ["doctor", "--probe-timeout", "0"], ["doctor", "--bogus"],
    ])
    func badArguments(arguments: [String]) throws {
        let result = try CLIRunner.run(arguments)
        #expect(result.status == 64, "status \(result.status)")
        #expect(result.stderr.contains("Error:"))
    }
}
