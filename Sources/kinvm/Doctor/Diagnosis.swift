/// Turns a host report into problems (kinvm cannot run guests until fixed) and notes (advice).
/// Pure functions of the report, tested without a host.
enum Diagnosis {
    static func problems(of report: HostReport) -> [String] {
        var problems: [String] = []
        let probed = report.virtTypes.filter { $0.boots != nil }
        let skippedForFiles = report.virtTypes.contains { $0.boots == nil && $0.detail.contains("build-test-guest") }
        if skippedForFiles {
            problems.append(
                "cannot tell which virt types boot: the probe guest is missing; run scripts/build-test-guest.sh")
        } else if !probed.isEmpty, !probed.contains(where: { $0.boots == true }) {
            let details = probed.map { "\($0.type): \($0.detail)" }.joined(separator: "; ")
            problems.append("no virt type boots a guest on this host (\(details))")
        }
        if !report.hypervisor.uppercased().hasPrefix("QEMU"), report.hypervisor.uppercased() != "TEST" {
            problems.append("the '\(report.hypervisor)' driver is not supported: connect to a QEMU/KVM host (qemu:///system)")
        }
        return problems
    }

    static func notes(of report: HostReport) -> [String] {
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
        if !report.pools.contains(where: \.active) {
            notes.append("no active storage pool: guest images need one")
        }
        if report.host.freeMemoryBytes < 1 << 30 {
            notes.append("less than 1 GiB of host memory is free (\(Rendering.bytes(report.host.freeMemoryBytes)))")
        }
        return notes
    }
}
