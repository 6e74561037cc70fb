import CloudInit
import DomainTemplates
import Foundation
import KinvmTestSupport
import LibXML2
import Provisioner
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
    /// A real cloud-init reads a seed that `GuestManager.create` made from a typed cloud-config
    /// (kinvm's ISO 9660 writer, streamed into the pool) in the Debian guest image, booted from
    /// the shipped k8s-node template; `create` waits until cloud-init is done. (The CLI end-to-end
    /// test covers raw user-data files.)
    @Suite("Debian guest created by GuestManager", .enabled(if: Integration.debianImage != nil))
    struct DebianCloudInitTests {
        @Test("cloud-init runs a typed cloud-config and the network-config of a kinvm seed")
        func cloudInitReadsTheSeed() async throws {
            try await GuestSlots.withSlots(1, for: "Debian cloud-init (GuestManager)", minutes: 4) {
                let connection = try await Connection.open(Integration.systemURI)
                defer { Task { await connection.close() } }
                let name = Integration.uniqueName("debian")
                let directory = try Integration.workDirectory(name)
                let pool = try await makeScratchPool("\(name)-pool", path: "\(directory)/pool", on: connection)
                do {
                    try await scenario(name: name, directory: directory, pool: pool, connection: connection)
                } catch {
                    Issue.record("\(consoleReport(name, "\(directory)/\(name)-console.log", last: 3000))")
                    await removeDomain(named: name, on: connection)
                    await removeScratchPool(pool)
                    throw error
                }
                await removeScratchPool(pool)
            }
        }

        private func scenario(name: String, directory: String, pool: StoragePool, connection: Connection) async throws {
            let image = try #require(Integration.debianImage)
            // The base image: an overlay on the cached Debian image stands in for an imported one.
            _ = try await pool.createVolume(xml: try overlayVolumeXML(name: "base.qcow2", backing: image, capacityBytes: 4 << 30))
            let mac = "52:54:00:6b:69:6e"
            let marker = "written by kinvm's seed: <&> \"quotes\" 'and' $(not a command)"
            let guests = GuestManager(connection: connection)
            let request = GuestCreateRequest(
                name: name, template: "k8s-node", image: VolumeRef(pool: pool.name, volume: "base.qcow2"), pool: pool.name,
                virtType: .qemu, vcpus: 1, maxVCPUs: 2, memory: .mebibytes(768), maxMemory: .mebibytes(1024),
                diskSize: .gibibytes(6), nics: [.user(mac: mac)],
                userData: .cloudConfig(CloudConfig(
                    hostname: name, locale: .disabled,
                    writeFiles: [CloudConfig.WriteFile(path: "/run/kinvm/marker", content: .text(marker), permissions: 0o600)],
                    runcmd: [CloudConfig.Command(form: .argv(["touch", "/run/kinvm/runcmd-done"]))])),
                directBoot: DirectBoot(
                    kernel: Integration.debianKernel, initrd: Integration.debianInitrd, cmdline: Integration.debianCmdline),
                consoleLogDirectory: directory,
                metadata: KinvmMetadata(cluster: "it", role: "worker"),
                wait: .cloudInit, waitTimeout: .seconds(900))
            let guest = try await guests.create(request)
            #expect(guest.state == "running")
            #expect(guest.managedVolumes == ["\(pool.name)/\(name)-root.qcow2", "\(pool.name)/\(name)-seed.iso"])

            #expect(try await guests.exec(name, "/bin/cat", ["/run/kinvm/marker"]).stdoutText == marker)
            #expect(try await guests.exec(name, "/usr/bin/stat", ["-c", "%a", "/run/kinvm/marker"]).stdoutText == "600\n")
            #expect(try await guests.exec(name, "/usr/bin/test", ["-e", "/run/kinvm/runcmd-done"]).exitCode == 0)
            #expect(try await guests.exec(name, "/bin/hostname").stdoutText == "\(name)\n")
            // The seed's network-config matched the NIC by its MAC; the agent reports its address.
            let addresses = try await guests.addresses(name, timeout: .seconds(60))
            #expect(addresses.contains { $0.mac == mac && $0.address == "10.0.2.15" && $0.source == .agent })

            let deletion = try await guests.delete(name)
            #expect(deletion.deletedVolumes.sorted() == guest.managedVolumes.sorted())
            #expect(try await connection.domainIfPresent(named: name) == nil)
            #expect(try await pool.allVolumes().map(\.name) == ["base.qcow2"])
        }
    }
}
