import Foundation
import Libvirt
import Testing

@testable import Provisioner

/// The image store on libvirt's test driver: a private host (its own `test:///PATH` file) with a
/// dir pool `images`. The test driver creates volumes but cannot stream into them, so uploads are
/// tested on the real daemon (LibvirtIntegrationTests) — here only the import's rollback is.
@Suite("ImageStore on the test driver")
struct ImageStoreTests {
    /// A private test host and a scratch directory; `remove()` in a defer.
    struct Host {
        let connection: Connection
        let directory: String
        var store: ImageStore { ImageStore(connection: connection) }
        var poolPath: String { "\(directory)/images" }

        static func open() async throws -> Host {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-img-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: "\(directory)/images", withIntermediateDirectories: true)
            let xml = """
                <node>
                  <pool type='dir'><name>images</name><target><path>\(directory)/images</path></target></pool>
                </node>
                """
            try xml.write(toFile: "\(directory)/host.xml", atomically: true, encoding: .utf8)
            return Host(connection: try await Connection.open("test://\(directory)/host.xml"), directory: directory)
        }

        func remove() async {
            await connection.close()
            try? FileManager.default.removeItem(atPath: directory)
        }

        func createVolume(_ name: String, format: String, backing: String? = nil) async throws {
            let backingXML = backing.map { "<backingStore><path>\($0)</path><format type='qcow2'/></backingStore>" } ?? ""
            let xml = """
                <volume><name>\(name)</name><capacity unit='bytes'>\(64 << 20)</capacity>
                <target><format type='\(format)'/></target>\(backingXML)</volume>
                """
            _ = try await connection.storagePool(named: "images").createVolume(xml: xml)
        }

        func defineDomain(_ name: String, disk: String) async throws {
            let xml = """
                <domain type='test'><name>\(name)</name><memory unit='KiB'>131072</memory><vcpu>1</vcpu>
                <os><type arch='x86_64'>hvm</type></os><devices>\(disk)</devices></domain>
                """
            _ = try await connection.defineDomain(xml: xml)
        }

        /// A file of `size` bytes (all 0x5A), returned with its path.
        func file(_ name: String, size: Int) throws -> String {
            let path = "\(directory)/\(name)"
            try Data(repeating: 0x5A, count: size).write(to: URL(fileURLWithPath: path))
            return path
        }
    }

    @Test("list: format, path, sizes, and the domains using each image directly or through an overlay")
    func list() async throws {
        let host = try await Host.open()
        defer { Task { await host.remove() } }
        try await host.createVolume("base.qcow2", format: "qcow2")
        try await host.createVolume("web-root.qcow2", format: "qcow2", backing: "\(host.poolPath)/base.qcow2")
        try await host.createVolume("data.img", format: "raw")
        try await host.createVolume("spare.img", format: "raw")
        try await host.defineDomain("web", disk: "<disk type='file' device='disk'><source file='\(host.poolPath)/web-root.qcow2'/><target dev='vda'/></disk>")
        try await host.defineDomain("db", disk: "<disk type='volume' device='disk'><source pool='images' volume='data.img'/><target dev='vda'/></disk>")

        let images = try await host.store.listImages(pool: "images")
        #expect(images.map(\.name) == ["base.qcow2", "data.img", "spare.img", "web-root.qcow2"])
        let byName = Dictionary(uniqueKeysWithValues: images.map { ($0.name, $0) })
        let base = try #require(byName["base.qcow2"])
        #expect(base.format == "qcow2")
        #expect(base.path == "\(host.poolPath)/base.qcow2")
        #expect(base.capacity == 64 << 20)
        #expect(base.usedBy == ["web"])
        #expect(base.overlays == ["images/web-root.qcow2"])
        #expect(byName["web-root.qcow2"]?.usedBy == ["web"])
        #expect(byName["web-root.qcow2"]?.overlays == [])
        #expect(byName["data.img"]?.usedBy == ["db"])
        #expect(byName["data.img"]?.format == "raw")
        #expect(byName["spare.img"]?.usedBy == [])
        #expect(try await host.store.listImages().count == 4)
        await expectProvisionerError(.poolNotFound, containing: ["no storage pool named 'nope'", "(pools: images)"]) {
            _ = try await host.store.listImages(pool: "nope")
        }
    }

    @Test("delete is refused while a domain or an overlay uses the image; works once they are gone")
    func deleteRefusal() async throws {
        let host = try await Host.open()
        defer { Task { await host.remove() } }
        let store = host.store
        try await host.createVolume("base.qcow2", format: "qcow2")
        try await host.createVolume("web-root.qcow2", format: "qcow2", backing: "\(host.poolPath)/base.qcow2")
        try await host.createVolume("data.img", format: "raw")
        try await host.defineDomain("web", disk: "<disk type='volume' device='disk'><source pool='images' volume='web-root.qcow2'/><target dev='vda'/></disk>")
        try await host.defineDomain("db", disk: "<disk type='file' device='disk'><source file='\(host.poolPath)/data.img'/><target dev='vda'/></disk>")

        await expectProvisionerError(.inUse, containing: ["image 'base.qcow2' in pool 'images' is in use by web", "images/web-root.qcow2"]) {
            try await store.deleteImage(name: "base.qcow2", pool: "images", force: true)
        }
        await expectProvisionerError(.inUse, containing: ["in use by db"]) {
            try await store.deleteImage(name: "data.img", pool: "images")
        }
        try await host.connection.domain(named: "db").undefine()
        #expect(try await store.deleteImage(name: "data.img", pool: "images").name == "data.img")
        try await host.connection.domain(named: "web").undefine()
        // No domain left, but the overlay still rests on the image.
        await expectProvisionerError(.inUse, containing: ["backing store of images/web-root.qcow2"]) {
            try await store.deleteImage(name: "base.qcow2", pool: "images")
        }
        try await store.deleteImage(name: "web-root.qcow2", pool: "images")
        try await store.deleteImage(name: "base.qcow2", pool: "images")
        #expect(try await store.listImages(pool: "images").isEmpty)
        await expectProvisionerError(.notFound, containing: ["no image named 'base.qcow2' in pool 'images'"]) {
            try await store.deleteImage(name: "base.qcow2", pool: "images")
        }
    }

    @Test("import checks name, checksum, pool and name clashes before creating anything")
    func importChecks() async throws {
        let host = try await Host.open()
        defer { Task { await host.remove() } }
        let store = host.store
        let file = try host.file("disk.img", size: 1 << 20)
        let zeros = String(repeating: "0", count: 64)
        await expectProvisionerError(.checksumMismatch, containing: ["expected", zeros, "nothing was imported"]) {
            _ = try await store.importImage(from: file, pool: "images", expectedSHA256: zeros)
        }
        await expectProvisionerError(.invalidArgument, containing: ["not a SHA-256"]) {
            _ = try await store.importImage(from: file, pool: "images", expectedSHA256: "abc")
        }
        await expectProvisionerError(.poolNotFound, containing: ["no storage pool named 'nope' (pools: images)"]) {
            _ = try await store.importImage(from: file, pool: "nope")
        }
        for bad in ["", ".", "..", "a/b", "tab\there"] {
            await expectProvisionerError(.invalidArgument, containing: ["invalid image name"]) {
                _ = try await store.importImage(from: file, name: bad, pool: "images")
            }
        }
        await expectProvisionerError(.fileUnreadable, containing: ["does not exist"]) {
            _ = try await store.importImage(from: "\(host.directory)/missing.img", pool: "images")
        }
        let odd = try host.file("odd.bin", size: 1000)
        await expectProvisionerError(.unsupportedFormat, containing: ["'\(odd)' cannot be imported", "512-byte sectors"]) {
            _ = try await store.importImage(from: odd, pool: "images")
        }
        try await host.createVolume("disk.img", format: "raw")
        await expectProvisionerError(.alreadyExists, containing: ["a volume named 'disk.img' already exists in pool 'images'"]) {
            _ = try await store.importImage(from: file, pool: "images")
        }
        #expect(try await store.listImages(pool: "images").map(\.name) == ["disk.img"])
    }

    @Test("a failed upload (the test driver has no streams) deletes the volume it created")
    func rollback() async throws {
        let host = try await Host.open()
        defer { Task { await host.remove() } }
        let file = try host.file("disk.img", size: 1 << 20)
        await expectProvisionerError(.libvirt, containing: ["cannot upload '\(file)' into volume 'copy.img'"]) {
            _ = try await host.store.importImage(from: file, name: "copy.img", pool: "images")
        }
        #expect(try await host.store.listImages(pool: "images").isEmpty)
    }
}
