import CLibvirt

/// A volume in a storage pool: a disk image file, logical volume, ... (`virStorageVolPtr`).
///
/// Obtain volumes from a ``StoragePool`` (``StoragePool/createVolume(xml:flags:)``,
/// ``StoragePool/volume(named:)``, ``StoragePool/allVolumes()``) or a ``Connection``
/// (``Connection/volume(path:)``, ``Connection/volume(key:)``). The object owns its handle and
/// frees it (`virStorageVolFree`) when the last reference goes away. Its contents are read and
/// written through streams: see ``upload(from:offset:length:chunkSize:progress:)`` and
/// ``download(offset:length:chunkSize:progress:)``.
public final class StorageVolume: ConnectionObject, @unchecked Sendable {
    // @unchecked Sendable: libvirt object handles are thread-safe; the handle is immutable and
    // freed only in deinit, when no other reference can be using it.

    public let connection: Connection
    let handle: OpaquePointer
    /// The volume's name within its pool (`virStorageVolGetName`, read once).
    public let name: String
    /// The volume's key, unique on the host; for file volumes their path (`virStorageVolGetKey`).
    public let key: String

    /// Takes ownership of `handle`. Runs on a libvirt thread (reads name and key locally, no RPC).
    init(connection: Connection, handle: OpaquePointer) {
        self.connection = connection
        self.handle = handle
        name = virStorageVolGetName(handle).map { String(cString: $0) } ?? ""
        key = virStorageVolGetKey(handle).map { String(cString: $0) } ?? ""
    }

    deinit {
        virStorageVolFree(handle)
    }

    var objectDescription: String { "volume '\(name)'" }

    // MARK: Queries

    /// The volume's path on the host, e.g. `/var/lib/libvirt/images/disk.qcow2` (`virStorageVolGetPath`).
    public func path() async throws(LibvirtError) -> String {
        try await call("virStorageVolGetPath") { takeString(virStorageVolGetPath($0), "virStorageVolGetPath") }
    }

    /// The pool that holds the volume (`virStoragePoolLookupByVolume`).
    public func pool() async throws(LibvirtError) -> StoragePool {
        try await call("virStoragePoolLookupByVolume") { handle in
            checkPointer(virStoragePoolLookupByVolume(handle), "virStoragePoolLookupByVolume")
                .map { StoragePool(connection: self.connection, handle: $0) }
        }
    }

    /// Type, capacity and allocation in bytes (`virStorageVolGetInfo`).
    public func info() async throws(LibvirtError) -> StorageVolumeInfo {
        try await call("virStorageVolGetInfo") { handle in
            var info = virStorageVolInfo()
            return checkStatus(virStorageVolGetInfo(handle, &info), "virStorageVolGetInfo").map { _ in
                StorageVolumeInfo(info)
            }
        }
    }

    /// The volume's XML description (`virStorageVolGetXMLDesc`).
    public func xml(flags: StorageXMLFlags = []) async throws(LibvirtError) -> String {
        try await call("virStorageVolGetXMLDesc") {
            takeString(virStorageVolGetXMLDesc($0, flags.rawValue), "virStorageVolGetXMLDesc")
        }
    }

    // MARK: Changes

    /// Deletes the volume and its data (`virStorageVolDelete`). This object then refers to nothing;
    /// further calls fail with `.noStorageVol`.
    public func delete(flags: DeleteFlags = []) async throws(LibvirtError) {
        try await callStatus("virStorageVolDelete") { virStorageVolDelete($0, flags.rawValue) }
    }

    /// Overwrites the volume's data with zeros (`virStorageVolWipe`).
    public func wipe() async throws(LibvirtError) {
        try await callStatus("virStorageVolWipe") { virStorageVolWipe($0, 0) }
    }

    /// Overwrites the volume's data following an algorithm (`virStorageVolWipePattern`).
    public func wipe(algorithm: WipeAlgorithm) async throws(LibvirtError) {
        try await callStatus("virStorageVolWipePattern") { virStorageVolWipePattern($0, algorithm.rawValue, 0) }
    }

    /// Changes the volume's capacity in bytes (`virStorageVolResize`): the new size, or with
    /// `.delta` the amount to add (or remove, with `.shrink`). Shrinking needs `.shrink`.
    public func resize(capacity: UInt64, flags: ResizeFlags = []) async throws(LibvirtError) {
        try await callStatus("virStorageVolResize") { virStorageVolResize($0, capacity, flags.rawValue) }
    }
}

extension StorageVolume: CustomStringConvertible {
    public var description: String { "StorageVolume(\(name), \(key))" }
}
