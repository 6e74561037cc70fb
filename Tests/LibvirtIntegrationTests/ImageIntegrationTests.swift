import Foundation
import LibXML2
import Libvirt
import Synchronization
import Provisioner
import Testing

/// `ImageStore` on the real daemon, where volumes take uploads: qcow2 and raw imports with
/// checksums, format detection, usage through an overlay, refused files, and rollback.
extension RealDaemonTests {
    @Suite("Image import on qemu:///system")
    struct ImageIntegrationTests {
        @Test("import a qcow2 and a raw image with checksums; list shows format, virtual size and bytes")
        func importAndList() async throws {
            try await withScratchPool("img") { connection, scratch, directory in
                let pool = scratch.name
                let store = ImageStore(connection: connection)
                let qcow2 = "\(directory)/../\(pool)-base.qcow2"
                try run("/usr/bin/qemu-img", ["create", "-q", "-f", "qcow2", qcow2, "64M"])
                defer { try? FileManager.default.removeItem(atPath: qcow2) }
                let raw = "\(directory)/../\(pool)-data.img"
                let rawBytes = (0..<(3 << 20)).map { _ in UInt8.random(in: 0...255) }
                try Data(rawBytes).write(to: URL(fileURLWithPath: raw))
                defer { try? FileManager.default.removeItem(atPath: raw) }

                // A wrong checksum: refused before anything is created.
                let wrong = String(repeating: "ab", count: 32)
                await #expect(throws: ProvisionerError.self) {
                    try await store.importImage(from: qcow2, pool: pool, expectedSHA256: wrong)
                }
                #expect(try await store.listImages(pool: pool).isEmpty)

                let seen = ProgressLog()
                let base = try await store.importImage(
                    from: qcow2, name: "base.qcow2", pool: pool, expectedSHA256: try sha256(qcow2), progress: { seen.append($0) })
                #expect(base.format == "qcow2")
                #expect(base.capacity == 64 << 20)
                #expect(base.path == "\(directory)/base.qcow2")
                let size = try FileManager.default.attributesOfItem(atPath: qcow2)[.size] as? UInt64
                #expect(seen.last(.verifying)?.bytesDone == size)
                #expect(seen.last(.uploading)?.bytesDone == size)
                #expect(try sha256(base.path) == (try sha256(qcow2)))

                let data = try await store.importImage(from: raw, pool: pool, expectedSHA256: try sha256(raw))
                #expect(data.name == "\(pool)-data.img")
                #expect(data.format == "raw")
                #expect(data.capacity == 3 << 20)
                let volume = try await connection.storagePool(named: pool).volume(named: data.name)
                #expect(try await volume.download() == rawBytes)

                let listed = try await store.listImages(pool: pool)
                #expect(listed.map(\.name) == ["base.qcow2", "\(pool)-data.img"])
                #expect(listed.allSatisfy { $0.usedBy.isEmpty })
                #expect(try await store.listImages().contains { $0.pool == pool && $0.name == "base.qcow2" })

                // The same name again: refused, the existing volume untouched.
                await #expect(throws: ProvisionerError.self) {
                    try await store.importImage(from: raw, name: "base.qcow2", pool: pool)
                }
                #expect(try await store.listImages(pool: pool).first { $0.name == "base.qcow2" }?.format == "qcow2")
            }
        }

        @Test("an overlay used by a domain makes delete refuse and name both; after undefine, delete works")
        func deleteRefusedWhileInUse() async throws {
            try await withScratchPool("use") { connection, scratch, directory in
                let pool = scratch.name
                let store = ImageStore(connection: connection)
                let qcow2 = "\(directory)/../\(pool)-base.qcow2"
                try run("/usr/bin/qemu-img", ["create", "-q", "-f", "qcow2", qcow2, "64M"])
                defer { try? FileManager.default.removeItem(atPath: qcow2) }
                let base = try await store.importImage(from: qcow2, name: "base.qcow2", pool: pool)
                let storagePool = try await connection.storagePool(named: pool)
                let overlay = try await storagePool.createVolume(xml: overlayVolumeXML(name: "web-root.qcow2", backing: base.path, capacityBytes: 64 << 20))
                let domainName = Integration.uniqueName("img-web")
                defer { Task { await removeDomain(named: domainName, on: connection) } }
                _ = try await connection.defineDomain(xml: domainXML(name: domainName, pool: pool, volume: "web-root.qcow2"))

                let image = try #require(try await store.listImages(pool: pool).first { $0.name == "base.qcow2" })
                #expect(image.usedBy == [domainName])
                #expect(image.overlays == ["\(pool)/web-root.qcow2"])
                do {
                    try await store.deleteImage(name: "base.qcow2", pool: pool, force: true)
                    Issue.record("deleting an image in use succeeded")
                } catch let error as ProvisionerError {
                    #expect(error.code == .inUse)
                    #expect(error.message.contains(domainName))
                    #expect(error.message.contains("\(pool)/web-root.qcow2"))
                } catch {
                    Issue.record("unexpected \(error)")
                }
                #expect(try await storagePool.volumeIfPresent(named: "base.qcow2") != nil)

                await removeDomain(named: domainName, on: connection)
                try await overlay.delete()
                try await store.deleteImage(name: "base.qcow2", pool: pool)
                #expect(try await store.listImages(pool: pool).isEmpty)
            }
        }

        @Test("truncated, garbage and compressed files are refused and leave nothing behind")
        func refusedFiles() async throws {
            try await withScratchPool("bad") { connection, scratch, directory in
                let pool = scratch.name
                let store = ImageStore(connection: connection)
                let qcow2 = "\(directory)/../\(pool)-full.qcow2"
                try run("/usr/bin/qemu-img", ["create", "-q", "-f", "qcow2", qcow2, "64M"])
                defer { try? FileManager.default.removeItem(atPath: qcow2) }
                let header = try Data(contentsOf: URL(fileURLWithPath: qcow2)).prefix(20)
                let files: [(String, Data)] = [
                    ("truncated.qcow2", header),
                    ("garbage.bin", Data((0..<1000).map { _ in UInt8.random(in: 0...255) })),
                    ("disk.img.gz", Data([0x1F, 0x8B, 8, 0] + [UInt8](repeating: 0, count: 508))),
                    ("empty.img", Data()),
                ]
                for (name, bytes) in files {
                    let path = "\(directory)/../\(pool)-\(name)"
                    try bytes.write(to: URL(fileURLWithPath: path))
                    defer { try? FileManager.default.removeItem(atPath: path) }
                    do {
                        _ = try await store.importImage(from: path, pool: pool)
                        Issue.record("\(name) was imported")
                    } catch let error as ProvisionerError {
                        #expect(error.code == .unsupportedFormat, "\(name): \(error)")
                        #expect(error.message.contains("cannot be imported"), "\(name): \(error)")
                    } catch {
                        Issue.record("\(name): unexpected \(error)")
                    }
                }
                #expect(try await store.listImages(pool: pool).isEmpty)
            }
        }

        // MARK: Helpers

        /// Collects progress reports from any thread.
        final class ProgressLog: Sendable {
            private let reports = Mutex<[ImportProgress]>([])
            func append(_ progress: ImportProgress) { reports.withLock { $0.append(progress) } }
            func last(_ phase: ImportProgress.Phase) -> ImportProgress? {
                reports.withLock { $0.last { $0.phase == phase } }
            }
        }

        private func run(_ executable: String, _ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            try process.run()
            process.waitUntilExit()
            try #require(process.terminationStatus == 0, "\(executable) \(arguments) failed")
        }

        private func sha256(_ path: String) throws -> String {
            let process = Process()
            let output = Pipe()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            process.arguments = [path]
            process.standardOutput = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return String(text.prefix(64))
        }
        private func domainXML(name: String, pool: String, volume: String) throws -> String {
            let document = XMLDocument(rootName: "domain")
            let root = document.root
            try root.setAttribute("type", Integration.virtType)
            try root.appendChild("name", text: name)
            try root.appendChild("memory", text: "65536", attributes: [("unit", "KiB")])
            try root.appendChild("vcpu", text: "1")
            try root.appendChild("os").appendChild("type", text: "hvm", attributes: [("arch", "x86_64")])
            let disk = try root.appendChild("devices").appendChild("disk", attributes: [("type", "volume"), ("device", "disk")])
            try disk.appendChild("driver", attributes: [("name", "qemu"), ("type", "qcow2")])
            try disk.appendChild("source", attributes: [("pool", pool), ("volume", volume)])
            try disk.appendChild("target", attributes: [("dev", "vda"), ("bus", "virtio")])
            return document.serialized()
        }
    }
}
