import DomainTemplates
import Foundation
import LibXML2

/// Paths and specs shared by the template tests.
enum Fixtures {
    /// The repository's Templates/ folder (the shipped templates).
    static let shipped = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Templates").path

    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").path

    static var library: TemplateLibrary { TemplateLibrary(searchPath: [shipped]) }

    /// A temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-tpl-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A full spec: every field kinvm manages set.
    static func fullSpec(
        name: String = "worker-1", virtType: DomainSpec.VirtType = .qemu, vcpus: Int = 2, maxVCPUs: Int = 8,
        memory: ByteSize = .gibibytes(2), maxMemory: ByteSize = .gibibytes(8), disks: Int = 1, nics: Int = 1
    ) -> DomainSpec {
        DomainSpec(
            name: name, uuid: "4b2f6f1c-7f2e-4a53-9c1a-0e6f2d1b9a10", virtType: virtType, vcpus: vcpus,
            maxVCPUs: maxVCPUs, memory: memory, maxMemory: maxMemory,
            disks: (0..<disks).map { index in
                DiskSpec(volume: VolumeRef(pool: "kinvm", volume: "\(name)-disk\(index).qcow2"), format: "qcow2")
            },
            seed: VolumeRef(pool: "kinvm", volume: "\(name)-seed.iso"),
            nics: (0..<nics).map { index in
                NICSpec(network: "kinvm-net\(index)", mac: String(format: "52:54:00:00:01:%02x", index), model: "virtio")
            },
            consoleLog: "/var/log/kinvm/\(name)-console.log",
            metadata: KinvmMetadata(
                cluster: "lab", role: "worker", pool: "workers", created: "2026-11-29T05:00:00Z", ttlSeconds: 3600))
    }

    /// Renders a shipped domain template with a spec.
    static func render(_ template: String, _ spec: DomainSpec) throws -> XMLDocument {
        let entry = try library.find(template, kind: .domain)
        let document = try library.load(entry)
        try DomainRenderer.apply(spec, to: document, source: entry.path)
        return document
    }
}
