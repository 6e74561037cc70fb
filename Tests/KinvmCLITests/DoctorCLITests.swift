import Foundation
import Testing
import Yams

@testable import kinvm

@Suite("kinvm doctor (real binary)")
struct DoctorCLITests {
    @Test("reports the test host as JSON and exits 0 without the boot probe")
    func jsonReport() throws {
        let result = try CLIRunner.run(["doctor", "--connect", "test:///default", "--no-boot-probe", "-o", "json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let report = try JSONDecoder().decode(HostReport.self, from: Data(result.stdout.utf8))
        #expect(report.hypervisor == "TEST")
        #expect(report.canonicalURI == "test:///default")
        #expect(report.host.cpus == 16)
        #expect(report.domains.map(\.name) == ["test"])
        #expect(report.domains.first?.state == "running")
        #expect(report.networks.map(\.name) == ["default"])
        #expect(report.pools.map(\.name) == ["default-pool"])
        #expect(report.virtTypes.map(\.type) == ["kvm", "qemu"])
        #expect(report.virtTypes.allSatisfy { $0.boots == nil })
        #expect(report.problems.isEmpty)
    }

    @Test("YAML output decodes to the same report")
    func yamlReport() throws {
        let result = try CLIRunner.run(["doctor", "-c", "test:///default", "--no-boot-probe", "-o", "yaml"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let report = try YAMLDecoder().decode(HostReport.self, from: result.stdout)
        #expect(report.hypervisor == "TEST")
        #expect(report.networks.first?.bridge == "virbr0")
    }

    @Test("text output names every section")
    func textReport() throws {
        let result = try CLIRunner.run(["doctor", "--no-boot-probe"], environment: ["KINVM_CONNECT": "test:///default"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        for heading in ["Hypervisor  TEST", "VIRT TYPE", "Storage pools:", "Networks:", "Domains:", "OK: kinvm can run guests"] {
            #expect(result.stdout.contains(heading), "missing \(heading) in:\n\(result.stdout)")
        }
    }

    @Test("a host where no virt type boots exits 1 and says what to fix")
    func nothingBoots() throws {
        // The test driver lists neither kvm nor qemu, so nothing can boot there.
        let result = try CLIRunner.run([
            "doctor", "-c", "test:///default", "--probe-kernel", "/etc/hostname", "--probe-initrd", "/etc/hostname",
        ])
        #expect(result.status == 1)
        #expect(result.stdout.contains("Problems to fix:"))
        #expect(result.stdout.contains("no virt type boots a guest on this host"))
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

@Suite("Diagnosis")
struct DiagnosisTests {
    static func report(virtTypes: [VirtTypeResult], pools: [HostReport.Pool] = [], freeMemory: UInt64 = 8 << 30) -> HostReport {
        HostReport(
            uri: "qemu:///system", canonicalURI: "qemu:///system", hostname: "lab", clientLibvirtVersion: "9.0.0",
            daemonLibvirtVersion: "9.0.0", hypervisor: "QEMU", hypervisorVersion: "7.2.0",
            host: .init(cpuModel: "x86_64", cpus: 8, memoryBytes: 16 << 30, freeMemoryBytes: freeMemory),
            virtTypes: virtTypes, pools: pools, networks: [], domains: [], problems: [], notes: [])
    }

    static let kvmBroken = VirtTypeResult(type: "kvm", advertised: true, boots: false, bootSeconds: nil, detail: "no boot marker")
    static let kvmWorks = VirtTypeResult(type: "kvm", advertised: true, boots: true, bootSeconds: 2, detail: "booted")
    static let qemuWorks = VirtTypeResult(type: "qemu", advertised: true, boots: true, bootSeconds: 4, detail: "booted")
    static let qemuBroken = VirtTypeResult(type: "qemu", advertised: true, boots: false, bootSeconds: nil, detail: "crashed")
    static let activePool = HostReport.Pool(name: "default", active: true, capacityBytes: 1, availableBytes: 1)

    @Test("KVM that does not boot, with TCG working, is a note pointing at --virt-type qemu")
    func brokenKVM() {
        let report = Self.report(virtTypes: [Self.kvmBroken, Self.qemuWorks], pools: [Self.activePool])
        #expect(Diagnosis.problems(of: report).isEmpty)
        let notes = Diagnosis.notes(of: report)
        #expect(notes.count == 1)
        #expect(notes.first?.contains("--virt-type qemu") == true)
    }

    @Test("a healthy KVM host has neither problems nor notes")
    func healthy() {
        let report = Self.report(virtTypes: [Self.kvmWorks, Self.qemuWorks], pools: [Self.activePool])
        #expect(Diagnosis.problems(of: report).isEmpty)
        #expect(Diagnosis.notes(of: report).isEmpty)
    }

    @Test("nothing boots: one problem listing each type's reason")
    func nothingBoots() {
        let problems = Diagnosis.problems(of: Self.report(virtTypes: [Self.kvmBroken, Self.qemuBroken]))
        #expect(problems == ["no virt type boots a guest on this host (kvm: no boot marker; qemu: crashed)"])
    }

    @Test("low memory and no active pool are notes")
    func lowResources() {
        let notes = Diagnosis.notes(of: Self.report(virtTypes: [Self.kvmWorks], freeMemory: 512 << 20))
        #expect(notes.contains("no active storage pool: guest images need one"))
        #expect(notes.contains { $0.hasPrefix("less than 1 GiB of host memory is free (512 MiB)") })
    }
}
