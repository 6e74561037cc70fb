import DomainTemplates
import Foundation
import LibXML2
import Testing

@testable import Libvirt

extension RealDaemonTests {
    /// Templates rendered by kinvm, defined and booted on the real daemon, and their spec read
    /// back from libvirt.
    @Suite("Rendered templates on qemu:///system")
    struct TemplateBootTests {
        static let shipped = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Templates").path

        @Test("a shipped template renders, validates, defines, boots (console log, agent, sizes) and reads back", arguments: ["k8s-node", "minimal"])
        func renderDefineBoot(template: String) async throws {
            let connection = try await Connection.open(Integration.systemURI)
            defer { Task { await connection.close() } }
            let name = Integration.uniqueName("tpl-\(template)")
            let directory = try Integration.workDirectory(name)
            let poolName = "\(name)-pool"
            let pool = try await makeScratchPool(poolName, path: "\(directory)/pool", on: connection)
            do {
                try await scenario(template: template, name: name, directory: directory, pool: pool, connection: connection)
            } catch {
                Issue.record("\(consoleReport(name, "\(directory)/console.log", last: 2000))")
                await removeDomain(named: name, on: connection)
                await removeScratchPool(pool)
                throw error
            }
            await removeDomain(named: name, on: connection)
            await removeScratchPool(pool)
        }

        private func scenario(
            template: String, name: String, directory: String, pool: StoragePool, connection: Connection
        ) async throws {
            _ = try await pool.createVolume(xml: Self.volumeXML(name: "\(name)-root.qcow2", format: "qcow2", mebibytes: 64))
            _ = try await pool.createVolume(xml: Self.volumeXML(name: "\(name)-seed.img", format: "raw", mebibytes: 1))
            let spec = DomainSpec(
                name: name, uuid: UUID().uuidString.lowercased(), virtType: .qemu, vcpus: 1, maxVCPUs: 2,
                memory: .mebibytes(192), maxMemory: .mebibytes(256),
                disks: [DiskSpec(volume: VolumeRef(pool: pool.name, volume: "\(name)-root.qcow2"), format: "qcow2")],
                seed: VolumeRef(pool: pool.name, volume: "\(name)-seed.img"), nics: [],
                consoleLog: "\(directory)/console.log",
                metadata: KinvmMetadata(cluster: "it", role: "worker", pool: "workers", created: "2026-11-29T05:00:00Z", ttlSeconds: 600))

            // A user's copy of the shipped template that boots the test kernel directly (the
            // volumes are empty), edited through the document API like any user template.
            let library = TemplateLibrary(searchPath: [Self.shipped])
            let document = try library.load(try library.find(template, kind: .domain))
            let os = try #require(document.root.firstChild(named: "os"))
            try os.appendChild("kernel", text: Integration.kernel)
            try os.appendChild("initrd", text: Integration.initrd)
            try os.appendChild("cmdline", text: "console=ttyS0 panic=-1")
            if template == "minimal" {
                let devices = try #require(document.root.firstChild(named: "devices"))
                let channel = try devices.appendChild("channel", attributes: [("type", "unix")])
                try channel.appendChild("target", attributes: [("type", "virtio"), ("name", "org.qemu.guest_agent.0")])
            }
            try DomainRenderer.apply(spec, to: document, source: template)
            try TemplateValidator.validate(document, as: .domain, source: template)

            let domain = try await connection.defineDomain(xml: document.serialized(), flags: .validate)
            let readBack = try DomainSpecReader.read(XMLDocument(parsing: try await domain.xml(flags: .inactive)))
            // The reader reports the direct kernel boot the user's copy of the template has.
            var expected = spec.normalized
            expected.directBoot = DirectBoot(kernel: Integration.kernel, initrd: Integration.initrd, cmdline: "console=ttyS0 panic=-1")
            #expect(readBack == expected)

            try await domain.start()
            _ = try await waitFor("console marker in the spec's console log", timeout: .seconds(120)) {
                let text = consoleText(spec.consoleLog!)
                return (text.contains("KINVM-TEST-GUEST-READY") ? true : nil, String(text.suffix(300)))
            }
            #expect(consoleText(spec.consoleLog!).contains("KINVM-AGENT started"))
            let pong = try await waitFor("guest agent", timeout: .seconds(30)) {
                ((try? await domain.qemuAgentCommand(#"{"execute":"guest-ping"}"#)), "no answer")
            }
            #expect(pong == #"{"return":{}}"#)
            // Both managed disks reached the guest as virtio disks (vda root, vdb seed); with room
            // for vCPU hot-plug there is no small TCG cache (QEMU 7.2 aborts hot-plug with one).
            let live = try XMLDocument(parsing: try await domain.xml())
            #expect(try live.select("/domain/devices/disk/alias[starts-with(@name, 'ua-kinvm-')]").count == 2)
            #expect(try live.select("/domain/features/tcg/tb-cache").isEmpty)
            // The ceilings allow live growth.
            try await domain.setVCPUs(2, flags: .live)
            try await domain.setMemory(kibibytes: 256 * 1024, flags: .live)
            #expect(try await domain.vcpuCount(flags: .live) == 2)
            // The spec read from the live XML still matches the definition apart from the live sizes.
            var liveSpec = try DomainSpecReader.read(live)
            liveSpec.uuid = spec.uuid
            #expect(liveSpec.disks == spec.disks)
            #expect(liveSpec.metadata == spec.metadata)
            try await domain.destroy()
        }

        static func volumeXML(name: String, format: String, mebibytes: Int) throws -> String {
            let document = XMLDocument(rootName: "volume")
            try document.root.appendChild("name", text: name)
            try document.root.appendChild("capacity", text: String(mebibytes), attributes: [("unit", "MiB")])
            try document.root.child("target").appendChild("format", attributes: [("type", format)])
            return document.serialized()
        }
    }
}
