import CLibvirt
import Foundation
import Testing

@testable import Libvirt

/// A fresh temporary directory for a `dir` pool (the test driver keeps its volumes in memory, but
/// its pools want a path). Call ``remove()`` in a `defer`.
struct ScratchDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-pool-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func poolXML(name: String) -> String {
        "<pool type='dir'><name>\(name)</name><target><path>\(path)</path></target></pool>"
    }
}

/// A raw file volume of the given size.
func rawVolumeXML(name: String, bytes: UInt64 = 4 << 20) -> String {
    "<volume><name>\(name)</name><capacity unit='bytes'>\(bytes)</capacity><target><format type='raw'/></target></volume>"
}

@Suite("Storage")
struct StorageTests {}

extension StorageTests {
    @Suite("Storage pools")
    struct Pools {
        @Test("define, build, start, query, stop, delete, undefine")
        func lifecycle() async throws {
            let directory = try ScratchDirectory()
            defer { directory.remove() }
            let connection = try await TestDriver.open()
            let pool = try await connection.defineStoragePool(xml: directory.poolXML(name: "scratch"), flags: .validate)
            #expect(pool.name == "scratch")
            #expect(pool.uuid.count == 36)
            #expect(try await connection.storagePool(named: "scratch").uuid == pool.uuid)
            #expect(try await connection.storagePool(uuid: pool.uuid).name == "scratch")
            #expect(try await pool.isActive() == false)
            #expect(try await pool.isPersistent())
            #expect(try await pool.info().state == .inactive)

            try await pool.build()
            try await pool.start()
            #expect(try await pool.isActive())
            let info = try await pool.info()
            #expect(info.state == .running)
            #expect(info.capacity > 0)
            #expect(info.available <= info.capacity)
            try await pool.refresh()
            let xml = try await pool.xml()
            #expect(xml.contains("<path>\(directory.path)</path>"))

            #expect(try await pool.autostart() == false)
            try await pool.setAutostart(true)
            #expect(try await pool.autostart())

            try await pool.destroy()
            #expect(try await pool.info().state == .inactive)
            try await pool.delete()
            try await pool.undefine()
            let gone = await expectLibvirtError(.noStoragePool) { try await connection.storagePool(named: "scratch") }
            #expect(gone?.object == "storage pool 'scratch'")
            #expect(gone?.operation == "virStoragePoolLookupByName")
            #expect(try await connection.storagePoolIfPresent(named: "scratch") == nil)
            #expect(try await connection.storagePoolIfPresent(named: "default-pool")?.name == "default-pool")
        }

        @Test("a transient pool runs at once and vanishes when destroyed; list filters")
        func transientAndFilters() async throws {
            let directory = try ScratchDirectory()
            let other = try ScratchDirectory()
            defer { directory.remove(); other.remove() }
            let connection = try await TestDriver.open()
            let temp = try await connection.createTransientStoragePool(xml: directory.poolXML(name: "temp"))
            #expect(try await temp.isActive())
            #expect(try await temp.isPersistent() == false)
            _ = try await connection.defineStoragePool(xml: other.poolXML(name: "idle"))
            // Two pools on one directory conflict.
            await expectLibvirtError(.operationFailed) {
                try await connection.defineStoragePool(xml: directory.poolXML(name: "dup"))
            }

            #expect(try await connection.allStoragePools().map(\.name).sorted() == ["default-pool", "idle", "temp"])
            #expect(try await connection.allStoragePools(.active).map(\.name).sorted() == ["default-pool", "temp"])
            #expect(try await connection.allStoragePools(.inactive).map(\.name) == ["idle"])
            #expect(try await connection.allStoragePools(.transient).map(\.name) == ["temp"])
            let persistentDirs = try await connection.allStoragePools([.persistent, .dir]).map(\.name).sorted()
            #expect(persistentDirs == ["default-pool", "idle"])
            #expect(try await connection.allStoragePools(.logical).isEmpty)

            try await temp.destroy()
            #expect(try await connection.storagePoolIfPresent(named: "temp") == nil)
        }

        @Test("errors: unknown pools, bad XML, operations invalid for the pool's state")
        func errors() async throws {
            let directory = try ScratchDirectory()
            defer { directory.remove() }
            let connection = try await TestDriver.open()
            await expectLibvirtError(.noStoragePool) {
                try await connection.storagePool(uuid: "00000000-0000-0000-0000-000000000000")
            }
            await expectLibvirtError(.invalidArg) { try await connection.storagePool(uuid: "not-a-uuid") }
            await expectLibvirtError(.xmlDetail) { try await connection.defineStoragePool(xml: "<pool") }
            await expectLibvirtError(.xmlInvalidSchema) {
                try await connection.defineStoragePool(
                    xml: "<pool type='dir'><name>bad</name><bogus/></pool>", flags: .validate)
            }

            let pool = try await connection.defineStoragePool(xml: directory.poolXML(name: "idle"))
            let inactive = await expectLibvirtError(.operationInvalid) { try await pool.destroy() }
            #expect(inactive?.object == "storage pool 'idle'")
            #expect(inactive?.operation == "virStoragePoolDestroy")
            await expectLibvirtError(.operationInvalid) { try await pool.refresh() }
            await expectLibvirtError(.operationInvalid) { try await pool.allVolumes() }
            await expectLibvirtError(.operationInvalid) { try await pool.createVolume(xml: rawVolumeXML(name: "v")) }

            try await pool.start()
            await expectLibvirtError(.operationInvalid) { try await pool.start() }
            await expectLibvirtError(.operationInvalid) { try await pool.build() }
            await expectLibvirtError(.operationInvalid) { try await pool.delete() }
            await expectLibvirtError(.operationInvalid) { try await pool.undefine() }
            #expect(try await connection.allStoragePools().count == 2)
        }

        @Test("pool states map to their C constants", arguments: StoragePoolInfo.State.allCases.filter { $0 != .unknown })
        func stateConstants(_ state: StoragePoolInfo.State) {
            var raw = virStoragePoolInfo()
            raw.state = state.rawValue
            #expect(StoragePoolInfo(raw).state == state)
            let constants: [virStoragePoolState] = [
                VIR_STORAGE_POOL_INACTIVE, VIR_STORAGE_POOL_BUILDING, VIR_STORAGE_POOL_RUNNING,
                VIR_STORAGE_POOL_DEGRADED, VIR_STORAGE_POOL_INACCESSIBLE,
            ]
            #expect(constants.map { Int32($0.rawValue) }.contains(state.rawValue))
            raw.state = 99
            #expect(StoragePoolInfo(raw).state == .unknown)
        }
    }

    @Suite("Storage volumes")
    struct Volumes {
        /// A private test host with an active, empty dir pool `scratch`.
        static func scratchPool(_ directory: ScratchDirectory) async throws -> (Connection, StoragePool) {
            let connection = try await TestDriver.open()
            let pool = try await connection.defineStoragePool(xml: directory.poolXML(name: "scratch"))
            try await pool.start()
            return (connection, pool)
        }

        @Test("create, look up every way, query, clone, list, delete")
        func lifecycle() async throws {
            let directory = try ScratchDirectory()
            defer { directory.remove() }
            let (connection, pool) = try await Self.scratchPool(directory)
            let volume = try await pool.createVolume(xml: rawVolumeXML(name: "disk.raw"))
            let path = "\(directory.path)/disk.raw"
            #expect(volume.name == "disk.raw")
            #expect(volume.key == path)
            #expect(try await volume.path() == path)
            let info = try await volume.info()
            #expect(info.kind == .file)
            #expect(info.capacity == 4 << 20)
            #expect(try await volume.xml().contains("<name>disk.raw</name>"))
            #expect(try await volume.pool().name == "scratch")

            #expect(try await pool.volume(named: "disk.raw").key == volume.key)
            #expect(try await pool.volumeIfPresent(named: "disk.raw")?.name == "disk.raw")
            #expect(try await pool.volumeIfPresent(named: "nope") == nil)
            #expect(try await connection.volume(path: path).name == "disk.raw")
            #expect(try await connection.volume(key: volume.key).name == "disk.raw")

            let clone = try await pool.cloneVolume(xml: rawVolumeXML(name: "clone.raw"), from: volume)
            #expect(try await clone.info().capacity == 4 << 20)
            #expect(try await pool.allVolumes().map(\.name).sorted() == ["clone.raw", "disk.raw"])

            try await clone.delete()
            let gone = await expectLibvirtError(.noStorageVol) { try await clone.info() }
            #expect(gone?.object == "volume 'clone.raw'")
            await expectLibvirtError(.noStorageVol) { try await clone.delete() }
            #expect(try await pool.allVolumes().map(\.name) == ["disk.raw"])
        }

        @Test("errors: unknown volumes, bad XML, duplicates, an inactive pool")
        func errors() async throws {
            let directory = try ScratchDirectory()
            defer { directory.remove() }
            let (connection, pool) = try await Self.scratchPool(directory)
            let unknown = await expectLibvirtError(.noStorageVol) { try await pool.volume(named: "nope") }
            #expect(unknown?.object == "volume 'nope'")
            #expect(unknown?.operation == "virStorageVolLookupByName")
            await expectLibvirtError(.noStorageVol) { try await connection.volume(path: "/nonexistent/x.raw") }
            await expectLibvirtError(.noStorageVol) { try await connection.volume(key: "no-such-key") }

            await expectLibvirtError(.xmlDetail) { try await pool.createVolume(xml: "<volume><nam") }
            await expectLibvirtError(.xmlInvalidSchema) {
                try await pool.createVolume(
                    xml: "<volume><name>v</name><capacity>1</capacity><bogus/></volume>", flags: .validate)
            }
            let volume = try await pool.createVolume(xml: rawVolumeXML(name: "disk.raw"))
            await expectLibvirtError(.operationFailed) { try await pool.createVolume(xml: rawVolumeXML(name: "disk.raw")) }
            #expect(try await pool.allVolumes().count == 1)

            try await pool.destroy()
            await expectLibvirtError(.operationInvalid) { try await volume.info() }
        }

        // The test driver implements none of these; the QEMU driver does (see the integration tests).
        @Test("what the test driver does not support: resize, wipe, metadata preallocation, inactive XML")
        func unsupportedOnTestDriver() async throws {
            let directory = try ScratchDirectory()
            defer { directory.remove() }
            let (_, pool) = try await Self.scratchPool(directory)
            let volume = try await pool.createVolume(xml: rawVolumeXML(name: "disk.raw"))
            let resize = await expectLibvirtError(.notSupported) { try await volume.resize(capacity: 8 << 20) }
            #expect(resize?.operation == "virStorageVolResize")
            #expect(resize?.domain == .storage)
            await expectLibvirtError(.notSupported) { try await volume.resize(capacity: 1 << 20, flags: [.delta, .shrink]) }
            await expectLibvirtError(.notSupported) { try await volume.wipe() }
            await expectLibvirtError(.notSupported) { try await volume.wipe(algorithm: .random) }
            let prealloc = await expectLibvirtError(.invalidArg) {
                try await pool.createVolume(xml: rawVolumeXML(name: "meta.qcow2"), flags: .preallocateMetadata)
            }
            #expect(prealloc?.message.contains("unsupported flags") == true)
            await expectLibvirtError(.invalidArg) { try await pool.xml(flags: .inactive) }
        }

        // libvirt 9.0 (the QEMU driver too) passes VIR_STORAGE_VOL_CREATE_VALIDATE on to its parser,
        // which rejects it: the flag only ever reports schema errors. If this fails, libvirt fixed it.
        @Test("the validate flag of volume creation: schema errors, else libvirt 9.0's unsupported-flag error")
        func validateFlag() async throws {
            let directory = try ScratchDirectory()
            defer { directory.remove() }
            let (_, pool) = try await Self.scratchPool(directory)
            let quirk = await expectLibvirtError(.invalidArg) {
                try await pool.createVolume(xml: rawVolumeXML(name: "disk.raw"), flags: .validate)
            }
            #expect(quirk?.message.contains("unsupported flags (0x4)") == true)
            #expect(try await pool.allVolumes().isEmpty)
        }

        @Test("wipe algorithms match their C constants", arguments: StorageVolume.WipeAlgorithm.allCases)
        func wipeConstants(_ algorithm: StorageVolume.WipeAlgorithm) {
            let constants: [StorageVolume.WipeAlgorithm: virStorageVolWipeAlgorithm] = [
                .zero: VIR_STORAGE_VOL_WIPE_ALG_ZERO, .nnsa: VIR_STORAGE_VOL_WIPE_ALG_NNSA,
                .dod: VIR_STORAGE_VOL_WIPE_ALG_DOD, .bsi: VIR_STORAGE_VOL_WIPE_ALG_BSI,
                .gutmann: VIR_STORAGE_VOL_WIPE_ALG_GUTMANN, .schneier: VIR_STORAGE_VOL_WIPE_ALG_SCHNEIER,
                .pfitzner7: VIR_STORAGE_VOL_WIPE_ALG_PFITZNER7, .pfitzner33: VIR_STORAGE_VOL_WIPE_ALG_PFITZNER33,
                .random: VIR_STORAGE_VOL_WIPE_ALG_RANDOM, .trim: VIR_STORAGE_VOL_WIPE_ALG_TRIM,
            ]
            #expect(algorithm.rawValue == constants[algorithm]?.rawValue)
        }

        @Test("calls after close fail with invalidConnection")
        func closedConnection() async throws {
            let directory = try ScratchDirectory()
            defer { directory.remove() }
            let (connection, pool) = try await Self.scratchPool(directory)
            let volume = try await pool.createVolume(xml: rawVolumeXML(name: "disk.raw"))
            await connection.close()
            await expectLibvirtError(.invalidConnection) { try await connection.storagePool(named: "scratch") }
            await expectLibvirtError(.invalidConnection) { try await connection.allStoragePools() }
            await expectLibvirtError(.invalidConnection) { try await connection.volume(key: volume.key) }
            await expectLibvirtError(.invalidConnection) { try await pool.info() }
            await expectLibvirtError(.invalidConnection) { try await pool.createVolume(xml: rawVolumeXML(name: "v2")) }
            await expectLibvirtError(.invalidConnection) { try await volume.info() }
            await expectLibvirtError(.invalidConnection) { try await volume.delete() }
        }
    }
}
