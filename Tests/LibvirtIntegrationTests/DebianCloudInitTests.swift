import CloudInit
import DomainTemplates
import Foundation
import LibXML2
import Testing

@testable import Libvirt

extension Integration {
    /// The Debian 12 guest image (scripts/build-debian-image.sh).
    static var debianImage: String? { environment["KINVM_DEBIAN_IMAGE"] }
    static var debianKernel: String { environment["KINVM_DEBIAN_KERNEL"] ?? "" }
    static var debianInitrd: String { environment["KINVM_DEBIAN_INITRD"] ?? "" }
    static var debianCmdline: String { environment["KINVM_DEBIAN_CMDLINE"] ?? "root=/dev/vda rw console=ttyS0" }
}

extension RealDaemonTests {
    /// A real cloud-init reads a seed written by kinvm's own ISO 9660 writer and uploaded through
    /// a libvirt stream, in the Debian guest image booted from a k8s-node template.
    @Suite("Debian guest with a kinvm seed", .enabled(if: Integration.debianImage != nil))
    struct DebianCloudInitTests {
        @Test("cloud-init runs the user-data and network-config of a kinvm seed")
        func cloudInitReadsTheSeed() async throws {
            let connection = try await Connection.open(Integration.systemURI)
            defer { Task { await connection.close() } }
            let name = Integration.uniqueName("debian")
            let directory = try Integration.workDirectory(name)
            let pool = try await makeScratchPool("\(name)-pool", path: "\(directory)/pool", on: connection)
            do {
                try await scenario(name: name, directory: directory, pool: pool, connection: connection)
            } catch {
                Issue.record("console of \(name):\n\(consoleText("\(directory)/console.log").suffix(3000))")
                await removeDomain(named: name, on: connection)
                await removeScratchPool(pool)
                throw error
            }
            await removeDomain(named: name, on: connection)
            await removeScratchPool(pool)
        }

        private func scenario(name: String, directory: String, pool: StoragePool, connection: Connection) async throws {
            let image = try #require(Integration.debianImage)
            let mac = "52:54:00:6b:69:6e"
            let marker = "written by kinvm's seed: <&> \"quotes\" 'and' $(not a command)"
            let seed = NoCloudSeed(
                metaData: MetaData(instanceID: "\(name)-1", localHostname: name),
                userData: .cloudConfig(CloudConfig(
                    hostname: name, locale: .disabled,
                    writeFiles: [CloudConfig.WriteFile(path: "/run/kinvm/marker", content: .text(marker), permissions: 0o600)],
                    runcmd: [CloudConfig.Command(form: .argv(["touch", "/run/kinvm/runcmd-done"]))])),
                networkConfig: NetworkConfig(ethernets: [.dhcp("eth0", macAddress: mac)]))
            let iso = try seed.isoImage()

            // The seed goes into the pool through a stream; the root disk is a qcow2 overlay on
            // the Debian image.
            let seedVolume = try await pool.createVolume(
                xml: try TemplateBootTests.volumeXML(name: "\(name)-seed.iso", format: "raw", mebibytes: 1))
            try await seedVolume.upload(from: .bytes(iso), length: UInt64(iso.count))
            _ = try await pool.createVolume(xml: try overlayVolumeXML(name: "\(name)-root.qcow2", backing: image, capacityBytes: 6 << 30))

            let spec = DomainSpec(
                name: name, uuid: UUID().uuidString.lowercased(), virtType: .qemu, vcpus: 2, maxVCPUs: 2,
                memory: .mebibytes(768), maxMemory: .mebibytes(1024),
                disks: [DiskSpec(volume: VolumeRef(pool: pool.name, volume: "\(name)-root.qcow2"), format: "qcow2")],
                seed: VolumeRef(pool: pool.name, volume: "\(name)-seed.iso"), nics: [],
                consoleLog: "\(directory)/console.log",
                metadata: KinvmMetadata(cluster: "it", role: "worker", created: "2026-11-29T05:00:00Z"))
            let library = TemplateLibrary(searchPath: [TemplateBootTests.shipped])
            let document = try library.load(try library.find("k8s-node", kind: .domain))
            let os = try #require(document.root.firstChild(named: "os"))
            try os.appendChild("kernel", text: Integration.debianKernel)
            try os.appendChild("initrd", text: Integration.debianInitrd)
            try os.appendChild("cmdline", text: Integration.debianCmdline)
            try DomainRenderer.apply(spec, to: document, source: "k8s-node")
            // QEMU user-mode networking: the guest reaches only the host's loopback (10.0.2.2).
            let devices = try #require(document.root.firstChild(named: "devices"))
            let nic = try devices.appendChild("interface", attributes: [("type", "user")])
            try nic.appendChild("mac", attributes: [("address", mac)])
            try nic.appendChild("model", attributes: [("type", "virtio")])
            try TemplateValidator.validate(document, as: .domain, source: "k8s-node")

            let domain = try await connection.defineDomain(xml: document.serialized(), flags: .validate)
            try await domain.start()
            _ = try await waitFor("the guest agent", timeout: .seconds(180), interval: .seconds(2)) {
                ((try? await domain.qemuAgentCommand(#"{"execute":"guest-ping"}"#, timeout: .seconds(2))), "no answer")
            }
            let status = try await waitFor("cloud-init done", timeout: .seconds(300), interval: .seconds(3)) {
                let result = try? await domain.guestExec("/usr/bin/cloud-init", ["status", "--long"])
                let text = result?.stdout ?? ""
                return (text.contains("status: done") || text.contains("status: error") ? text : nil, text)
            }
            #expect(status.contains("status: done"), "\(status)")
            #expect(try await domain.guestExec("/bin/cat", ["/run/kinvm/marker"]).stdout == marker)
            #expect(try await domain.guestExec("/usr/bin/stat", ["-c", "%a", "/run/kinvm/marker"]).stdout == "600\n")
            #expect(try await domain.guestExec("/usr/bin/test", ["-e", "/run/kinvm/runcmd-done"]).exitCode == 0)
            #expect(try await domain.guestExec("/bin/hostname").stdout == "\(name)\n")
            let addresses = try await domain.interfaceAddresses(source: .agent)
            let eth = try #require(addresses.first { $0.hardwareAddress == mac })
            #expect(eth.addresses.contains { $0.address == "10.0.2.15" })

            try await domain.destroy()
        }
    }
}
