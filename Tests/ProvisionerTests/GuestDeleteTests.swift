import DomainTemplates
import Foundation
import Libvirt
import Testing

@testable import Provisioner

@Suite("GuestManager.delete on the test driver")
struct GuestDeleteTests {
    @Test("delete destroys a running guest, undefines it, deletes its volumes and console log: nothing left")
    func deletesEverything() async throws {
        let host = try await GuestHost.open()
        defer { Task { await host.remove() } }
        let before = try await host.snapshot()
        let info = try await host.create(host.request("web-1", wait: .running))
        #expect(info.state == "running")
        let log = try #require(info.consoleLog)
        try "boot messages\n".write(toFile: log, atomically: true, encoding: .utf8)

        let deletion = try await host.manager.delete("web-1")
        #expect(deletion.name == "web-1")
        #expect(deletion.uuid == info.uuid)
        #expect(deletion.wasRunning)
        #expect(deletion.deletedVolumes == ["images/web-1-root.qcow2", "images/web-1-seed.iso"])
        #expect(deletion.keptVolumes == [])
        #expect(deletion.consoleLog == log)
        #expect(deletion.consoleLogDeleted)
        #expect(!FileManager.default.fileExists(atPath: log))
        #expect(try await host.snapshot() == before)
        _ = await expectProvisionerError(.notFound, containing: ["no guest named 'web-1'"]) {
            _ = try await host.manager.delete("web-1")
        }
    }

    @Test("volumes already gone are fine; a missing console log is not reported")
    func alreadyMissing() async throws {
        let host = try await GuestHost.open()
        defer { Task { await host.remove() } }
        let before = try await host.snapshot()
        _ = try await host.create(host.request("web-1"))
        try await host.connection.storagePool(named: "images").volume(named: "web-1-seed.iso").delete()
        let deletion = try await host.manager.delete("web-1")
        #expect(!deletion.wasRunning)
        #expect(deletion.deletedVolumes == ["images/web-1-root.qcow2"])
        #expect(deletion.consoleLog == nil)
        #expect(!deletion.consoleLogDeleted)
        #expect(try await host.snapshot() == before)
    }

    @Test("a foreign domain is refused without force; with force it goes and its disks stay")
    func foreign() async throws {
        let host = try await GuestHost.open()
        defer { Task { await host.remove() } }
        try await host.createVolume("data.img", format: "raw")
        _ = try await host.connection.defineDomain(xml: """
            <domain type='test'><name>legacy</name><memory unit='KiB'>131072</memory><vcpu>1</vcpu>
            <os><type arch='x86_64'>hvm</type></os><devices>
            <disk type='volume' device='disk'><source pool='images' volume='data.img'/><target dev='vda'/></disk>
            <disk type='file' device='disk'><source file='\(host.poolPath)/base.img'/><target dev='vdb'/></disk>
            <disk type='file' device='disk'><source file='/srv/elsewhere.img'/><target dev='vdc'/></disk>
            </devices></domain>
            """)
        let before = try await host.snapshot()
        _ = await expectProvisionerError(.notOwned, containing: ["'legacy' was not created by kinvm", "will not delete it", "--force"]) {
            _ = try await host.manager.delete("legacy")
        }
        #expect(try await host.snapshot() == before)

        let deletion = try await host.manager.delete("legacy", force: true)
        #expect(deletion.deletedVolumes == [])
        #expect(deletion.keptVolumes == ["images/data.img", "images/base.img", "/srv/elsewhere.img"])
        #expect(try await host.connection.domainIfPresent(named: "legacy") == nil)
        #expect(try await host.snapshot() == before.filter { !$0.hasPrefix("domain legacy") })
    }

    @Test("delete never removes a console log kinvm did not record: a foreign log path, a directory, a symlink")
    func consoleLogOwnership() async throws {
        let host = try await GuestHost.open()
        defer { Task { await host.remove() } }
        // A user's file and directory, named as serial logs by a domain kinvm did not make.
        let userFile = "\(host.directory)/precious.txt"
        let userDirectory = "\(host.directory)/precious-dir"
        try "keep me\n".write(toFile: userFile, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: "\(userDirectory)/inner", withIntermediateDirectories: true)
        for (name, path) in [("foreign-file", userFile), ("foreign-dir", userDirectory)] {
            _ = try await host.connection.defineDomain(xml: """
                <domain type='test'><name>\(name)</name><memory unit='KiB'>131072</memory><vcpu>1</vcpu>
                <os><type arch='x86_64'>hvm</type></os><devices>
                <serial type='file'><source path='\(path)'/><target port='0'/></serial>
                </devices></domain>
                """)
            let deletion = try await host.manager.delete(name, force: true)
            #expect(!deletion.consoleLogDeleted, "\(name)")
        }
        #expect(FileManager.default.fileExists(atPath: userFile))
        #expect(FileManager.default.fileExists(atPath: "\(userDirectory)/inner"))

        // A kinvm guest whose log was replaced by a symlink to the user's file: the link is not
        // followed and the file stays.
        let info = try await host.create(host.request("web-1"))
        let log = try #require(info.consoleLog)
        try? FileManager.default.removeItem(atPath: log)
        try FileManager.default.createSymbolicLink(atPath: log, withDestinationPath: userFile)
        let deletion = try await host.manager.delete("web-1")
        #expect(!deletion.consoleLogDeleted)
        #expect(try String(contentsOfFile: userFile, encoding: .utf8) == "keep me\n")
        try? FileManager.default.removeItem(atPath: log)
    }

    @Test("a volume the guest's metadata lists but the guest does not use is not deleted")
    func metadataVolumeNotAttached() async throws {
        let host = try await GuestHost.open()
        defer { Task { await host.remove() } }
        try await host.createVolume("someone-elses.img", format: "raw")
        _ = try await host.create(host.request("web-1"))
        // Someone edits the metadata on the host to list a volume of theirs.
        let domain = try await host.connection.domain(named: "web-1")
        let xml = try await domain.xml(flags: .inactive)
        let edited = xml.replacingOccurrences(
            of: "<kinvm:volume pool=\"images\" name=\"web-1-seed.iso\"/>",
            with: "<kinvm:volume pool=\"images\" name=\"web-1-seed.iso\"/><kinvm:volume pool=\"images\" name=\"someone-elses.img\"/>")
        #expect(edited != xml, "the metadata's volume element was not found in: \(xml)")
        _ = try await host.connection.defineDomain(xml: edited)
        let deletion = try await host.manager.delete("web-1")
        #expect(deletion.deletedVolumes == ["images/web-1-root.qcow2", "images/web-1-seed.iso"])
        #expect(try await host.connection.storagePool(named: "images").volumeIfPresent(named: "someone-elses.img") != nil)
    }

    @Test("a kinvm guest sharing a volume it did not make keeps that volume")
    func keepsUnmanaged() async throws {
        let host = try await GuestHost.open()
        defer { Task { await host.remove() } }
        _ = try await host.create(host.request("web-1"))
        // Someone attached an extra volume to the guest by hand.
        try await host.createVolume("extra.img", format: "raw")
        let domain = try await host.connection.domain(named: "web-1")
        var xml = try await domain.xml(flags: .inactive)
        xml = xml.replacingOccurrences(
            of: "</devices>",
            with: "<disk type='volume' device='disk'><source pool='images' volume='extra.img'/><target dev='vdz' bus='virtio'/></disk></devices>")
        _ = try await host.connection.defineDomain(xml: xml)
        let deletion = try await host.manager.delete("web-1")
        #expect(deletion.keptVolumes == ["images/extra.img"])
        #expect(try await host.connection.storagePool(named: "images").volumeIfPresent(named: "extra.img") != nil)
    }

    @Test(
        "only URIs without a host are local",
        arguments: [
            ("qemu:///system", true), ("qemu+unix:///system?socket=/run/x.sock", true), ("test:///default", true),
            ("test:///tmp/host.xml", true), ("qemu+ssh://root@lab1/system", false), ("qemu+tcp://10.0.0.1/system", false),
            ("qemu://lab1/system", false), ("default", false),
        ])
    func local(uri: String, expected: Bool) {
        #expect(GuestManager.isLocal(uri: uri) == expected)
    }
}
