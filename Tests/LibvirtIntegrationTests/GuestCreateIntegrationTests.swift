import DomainTemplates
import Foundation
import Libvirt
import Provisioner
import Testing

extension RealDaemonTests {
    /// `GuestManager.create` and `delete` on qemu:///system: the shipped k8s-node template, a tiny
    /// raw base image in a scratch pool, the busybox test guest by direct kernel boot, a user-mode NIC.
    @Suite("Guest create and delete on qemu:///system")
    struct GuestCreateIntegrationTests {
        /// A 1 MiB raw base image (the test guest boots from its initramfs and never reads it).
        static func makeBase(in pool: StoragePool) async throws -> VolumeRef {
            let xml = try TemplateBootTests.volumeXML(name: "base.img", format: "raw", mebibytes: 1)
            _ = try await pool.createVolume(xml: xml)
            return VolumeRef(pool: pool.name, volume: "base.img")
        }

        static func request(
            _ name: String, base: VolumeRef, pool: StoragePool, directory: String, kernel: String = Integration.kernel
        ) -> GuestCreateRequest {
            GuestCreateRequest(
                name: name, template: "k8s-node", image: base, pool: pool.name,
                virtType: DomainSpec.VirtType(rawValue: Integration.virtType) ?? .qemu, vcpus: 1, maxVCPUs: 1,
                memory: .mebibytes(256), diskSize: .mebibytes(64), nics: [.user()],
                sshAuthorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKinvmIntegrationOnly it@kinvm"],
                directBoot: DirectBoot(kernel: kernel, initrd: Integration.initrd, cmdline: "console=ttyS0 panic=-1"),
                consoleLogDirectory: directory, metadata: KinvmMetadata(cluster: "it", role: "worker"), wait: .running,
                waitTimeout: .seconds(120))
        }

        /// The scratch pool's volumes and whether a domain of that name exists.
        static func leftovers(_ name: String, pool: StoragePool, connection: Connection) async throws -> [String] {
            var items = try await pool.allVolumes().map(\.name).filter { $0 != "base.img" }
            if try await connection.domainIfPresent(named: name) != nil { items.append("domain \(name)") }
            return items.sorted()
        }

        @Test("create boots the guest (console marker), delete leaves no domain, volume or console log")
        func createBootDelete() async throws {
            try await withScratchPool("guest-create") { connection, pool, directory in
                let name = Integration.uniqueName("create")
                defer { Task { await removeDomain(named: name, on: connection) } }
                let base = try await Self.makeBase(in: pool)
                let manager = GuestManager(connection: connection)
                let steps = Locked<[String]>([])
                let info = try await manager.create(
                    Self.request(name, base: base, pool: pool, directory: directory),
                    progress: { progress in steps.withLock { $0.append(progress.step) } })
                #expect(info.state == "running")
                #expect(info.owned)
                #expect(info.managedVolumes == ["\(pool.name)/\(name)-root.qcow2", "\(pool.name)/\(name)-seed.iso"])
                #expect(steps.withLock { $0 }.contains("uploading seed"))
                let log = try #require(info.consoleLog)
                #expect(log == "\(directory)/\(name)-console.log")
                _ = try await waitFor("console marker", timeout: .seconds(120)) {
                    let text = consoleText(log)
                    return (text.contains("KINVM-TEST-GUEST-READY") ? true : nil, String(text.suffix(300)))
                }
                // The seed reached its volume through the stream: the ISO's magic at sector 16.
                let seed = try await pool.volume(named: "\(name)-seed.iso")
                let head = try await seed.download(offset: 32769, length: 5)
                #expect(head == Array("CD001".utf8))
                let root = try await pool.volume(named: "\(name)-root.qcow2")
                #expect(try await root.xml().contains("\(directory)/base.img"))

                let deletion = try await manager.delete(name)
                #expect(deletion.wasRunning)
                #expect(deletion.deletedVolumes.count == 2)
                #expect(deletion.consoleLogDeleted)
                #expect(!FileManager.default.fileExists(atPath: log))
                #expect(try await Self.leftovers(name, pool: pool, connection: connection) == [])
            }
        }

        @Test("a kernel that does not exist: start fails, nothing is left, the error says start failed")
        func startFailureRollsBack() async throws {
            try await withScratchPool("guest-rollback") { connection, pool, directory in
                let name = Integration.uniqueName("rollback")
                defer { Task { await removeDomain(named: name, on: connection) } }
                let base = try await Self.makeBase(in: pool)
                let manager = GuestManager(connection: connection)
                let request = Self.request(
                    name, base: base, pool: pool, directory: directory, kernel: "\(directory)/no-such-vmlinuz")
                do {
                    _ = try await manager.create(request)
                    Issue.record("create succeeded with a kernel that does not exist")
                } catch let error as ProvisionerError {
                    #expect(error.code == .libvirt, "\(error)")
                    #expect(error.message.contains("failed while starting"), "\(error)")
                    #expect(error.message.contains("cannot start guest '\(name)'"), "\(error)")
                    #expect(error.message.contains("everything it made was removed"), "\(error)")
                } catch {
                    Issue.record("expected a ProvisionerError, got \(error)")
                }
                #expect(try await Self.leftovers(name, pool: pool, connection: connection) == [])
            }
        }
    }
}

/// A value shared between tasks, behind a lock.
final class Locked<Value: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `value` is only touched while `lock` is held.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
