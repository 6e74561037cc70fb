import Foundation
import LibXML2
import Libvirt

/// Finds out which virt types really boot a guest on a host.
///
/// Domain capabilities can list `kvm` on hosts where KVM is present but unusable (nested setups
/// where every guest kernel dies with "emulation failure"), so the probe boots a tiny guest of
/// each type: the Debian cloud kernel and busybox initramfs that scripts/build-test-guest.sh
/// builds, started as a transient, auto-destroyed domain, and watched on its serial console for
/// the marker its init prints.
struct VirtTypeProbe: Sendable {
    var kernel: String
    var initrd: String
    var workDirectory: String
    var timeout: Duration

    static let marker = "KINVM-TEST-GUEST-READY"

    /// The virt types the host capabilities list for x86_64 HVM guests (`kvm`, `qemu`, …).
    static func advertisedTypes(capabilitiesXML: String, arch: String) throws -> [String] {
        let document = try XMLDocument(parsing: capabilitiesXML, source: "host capabilities")
        var seen: [String] = []
        for guest in try document.select("/capabilities/guest[os_type='hvm']/arch") where guest.attribute("name") == arch {
            for domain in guest.children(named: "domain") {
                if let type = domain.attribute("type"), !seen.contains(type) { seen.append(type) }
            }
        }
        return seen
    }

    /// Boots one probe guest of `type` and reports whether its console marker appeared in time.
    func probe(_ type: String, on connection: Connection) async -> VirtTypeResult {
        let name = "kinvm-doctor-\(type)-\(UUID().uuidString.prefix(8).lowercased())"
        let consoleLog = "\(workDirectory)/\(name).log"
        defer { try? FileManager.default.removeItem(atPath: consoleLog) }
        let clock = ContinuousClock()
        let start = clock.now
        let domain: Domain
        do {
            // autoDestroy: libvirt destroys the guest if kinvm dies before cleaning up.
            domain = try await connection.createTransientDomain(
                xml: Self.domainXML(name: name, type: type, kernel: kernel, initrd: initrd, consoleLog: consoleLog),
                flags: .autoDestroy)
        } catch let error as LibvirtError {
            return VirtTypeResult(type: type, advertised: true, boots: false, bootSeconds: nil, detail: "start failed: \(error.message)")
        } catch {
            return VirtTypeResult(type: type, advertised: true, boots: false, bootSeconds: nil, detail: "cannot build the probe: \(error)")
        }
        let result = await watch(domain, type: type, consoleLog: consoleLog, clock: clock, start: start)
        try? await domain.destroy()
        return result
    }

    private func watch(
        _ domain: Domain, type: String, consoleLog: String, clock: ContinuousClock, start: ContinuousClock.Instant
    ) async -> VirtTypeResult {
        while clock.now - start < timeout {
            let console = (try? String(contentsOfFile: consoleLog, encoding: .utf8)) ?? ""
            if console.contains(Self.marker) {
                let elapsed = clock.now - start
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                return VirtTypeResult(
                    type: type, advertised: true, boots: true, bootSeconds: (seconds * 10).rounded() / 10,
                    detail: "guest kernel booted to userspace")
            }
            if let state = try? await domain.state(), !state.isActive {
                return VirtTypeResult(
                    type: type, advertised: true, boots: false, bootSeconds: nil,
                    detail: "guest stopped (\(state.kind)) before booting; console: \(Self.tail(console))")
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        let console = (try? String(contentsOfFile: consoleLog, encoding: .utf8)) ?? ""
        return VirtTypeResult(
            type: type, advertised: true, boots: false, bootSeconds: nil,
            detail: "no boot marker within \(timeout); console: \(Self.tail(console))")
    }

    private static func tail(_ text: String) -> String {
        let lines = text.split(whereSeparator: \.isNewline).suffix(2).joined(separator: " | ")
        return lines.isEmpty ? "(empty)" : String(lines.suffix(200))
    }

    /// The probe guest's XML, built as a document so every value is escaped.
    static func domainXML(name: String, type: String, kernel: String, initrd: String, consoleLog: String) throws -> String {
        let document = XMLDocument(rootName: "domain")
        let domain = document.root
        try domain.setAttribute("type", type)
        try domain.appendChild("name", text: name)
        try domain.appendChild("memory", text: "192", attributes: [("unit", "MiB")])
        try domain.appendChild("vcpu", text: "1")
        let os = try domain.appendChild("os")
        try os.appendChild("type", text: "hvm", attributes: [("arch", "x86_64"), ("machine", "pc")])
        try os.appendChild("kernel", text: kernel)
        try os.appendChild("initrd", text: initrd)
        try os.appendChild("cmdline", text: "console=ttyS0 panic=-1")
        let features = try domain.appendChild("features")
        try features.appendChild("acpi")
        if type == "qemu" {
            try features.appendChild("tcg").appendChild("tb-cache", text: "64", attributes: [("unit", "MiB")])
        }
        try domain.appendChild("on_crash", text: "destroy")
        let devices = try domain.appendChild("devices")
        try devices.appendChild("serial", attributes: [("type", "file")]).appendChild("source", attributes: [("path", consoleLog)])
        try devices.appendChild("memballoon", attributes: [("model", "none")])
        return document.serialized()
    }
}
