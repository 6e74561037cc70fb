import ArgumentParser
import Foundation
import Libvirt

/// `kinvm doctor`: checks a libvirt host and prints what to fix.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check a libvirt host: daemon, versions, virt types that really boot, pools, schemas, templates, tools.",
        discussion: """
            Exits 0 when nothing must be fixed, 1 when something must be fixed first (each problem \
            is printed with what to do), 64 on bad arguments (EX_USAGE). A host where libvirt lists \
            neither kvm nor qemu is a problem. Only a probe guest that booted makes doctor say \
            that kinvm can run guests; with --no-boot-probe it says that booting is unverified.

            The boot probe starts a tiny transient guest per virt type (the kernel and initramfs \
            built by scripts/build-test-guest.sh) and waits for it to reach userspace. KVM can be \
            listed by libvirt yet unusable (e.g. nested virtualisation); then use --virt-type qemu \
            (TCG: slower, but works everywhere).

            It also checks that an active storage pool exists (and kinvm's default pool, 'default'), \
            that libvirt's RelaxNG schemas load ($KINVM_LIBVIRT_SCHEMAS, then /usr/share/libvirt/schemas), \
            that the shipped templates validate, and - on a local host - that the emulator and qemu-img \
            are installed.
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Kernel for the boot probe.")
    var probeKernel = "\(DoctorCommand.probeCache)/vmlinuz"

    @Option(help: "Initramfs for the boot probe.")
    var probeInitrd = "\(DoctorCommand.probeCache)/initramfs.cpio.gz"

    @Option(help: "Seconds to wait for each probe guest to boot.")
    var probeTimeout: Int = 45

    @Flag(help: "Skip the boot probe: only check that libvirt lists kvm or qemu; booting is then reported as unverified.")
    var noBootProbe = false

    static var probeCache: String {
        (ProcessInfo.processInfo.environment["KINVM_CACHE"] ?? "/var/cache/kinvm") + "/test-guest"
    }

    func validate() throws {
        guard probeTimeout > 0 else { throw ValidationError("--probe-timeout must be at least 1 second.") }
    }

    func run() async throws {
        connection.warnIfInsecure()
        let host: Connection
        do {
            host = try await Connection.open(connection.uri)
        } catch {
            Terminal.error(
                "cannot connect to libvirt at '\(connection.uri)': \(error.message)\n"
                    + "  fix: start libvirtd (scripts/libvirtd.sh start), or choose another host with --connect")
            throw ExitCode.failure
        }
        defer { Task { await host.close() } }
        var report = try await HostReport.gather(from: host)
        await HostChecks.run(on: host, into: &report)
        report.virtTypes = try await probeVirtTypes(on: host)
        report.problems = Diagnosis.problems(of: report)
        report.notes = Diagnosis.notes(of: report)
        try print(render(report))
        if !report.problems.isEmpty { throw ExitCode.failure }
    }

    private func probeVirtTypes(on host: Connection) async throws -> [VirtTypeResult] {
        let node = try await host.nodeInfo()
        let advertised = try VirtTypeProbe.advertisedTypes(capabilitiesXML: try await host.capabilities(), arch: node.model)
        let candidates = ["kvm", "qemu"]
        let skipReason: String? =
            if noBootProbe { "boot probe skipped (--no-boot-probe)" }
            else if !FileManager.default.isReadableFile(atPath: probeKernel)
                || !FileManager.default.isReadableFile(atPath: probeInitrd)
            { "boot probe needs \(probeKernel) and \(probeInitrd): run scripts/build-test-guest.sh" }
            else { nil }
        if let skipReason {
            return candidates.map {
                VirtTypeResult(type: $0, advertised: advertised.contains($0), boots: nil, bootSeconds: nil, detail: skipReason)
            }
        }
        let workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-doctor").path
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        let probe = VirtTypeProbe(
            kernel: probeKernel, initrd: probeInitrd, workDirectory: workDirectory, timeout: .seconds(probeTimeout))
        if output.output == .text { Terminal.progress("probing virt types \(advertised.joined(separator: ", ")) (up to \(probeTimeout) s)…") }
        return await withTaskGroup(of: VirtTypeResult.self) { group in
            for type in candidates {
                group.addTask {
                    guard advertised.contains(type) else {
                        return VirtTypeResult(
                            type: type, advertised: false, boots: false, bootSeconds: nil,
                            detail: "not listed in the host capabilities")
                    }
                    return await probe.probe(type, on: host)
                }
            }
            var results: [VirtTypeResult] = []
            for await result in group { results.append(result) }
            return results.sorted { candidates.firstIndex(of: $0.type)! < candidates.firstIndex(of: $1.type)! }
        }
    }

    private func render(_ report: HostReport) throws -> String {
        switch output.output {
        case .json: try Rendering.json(report)
        case .yaml: try Rendering.yaml(report)
        case .text: DoctorText.render(report)
        }
    }
}
