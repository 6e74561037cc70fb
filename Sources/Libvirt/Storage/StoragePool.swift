import CLibvirt

/// A libvirt storage pool: a directory, LVM volume group, disk, ... that holds volumes
/// (`virStoragePoolPtr`).
///
/// Obtain pools from a ``Connection`` (``Connection/defineStoragePool(xml:flags:)``,
/// ``Connection/storagePool(named:)``, ``Connection/allStoragePools(_:)``). The object owns its
/// handle and frees it (`virStoragePoolFree`) when the last reference goes away.
public final class StoragePool: ConnectionObject, @unchecked Sendable {
    // @unchecked Sendable: libvirt object handles are thread-safe; the handle is immutable and
    // freed only in deinit, when no other reference can be using it.

    public let connection: Connection
    let handle: OpaquePointer
    /// The pool's name (`virStoragePoolGetName`, read once).
    public let name: String
    /// The pool's UUID in its canonical string form (`virStoragePoolGetUUIDString`).
    public let uuid: String

    /// Takes ownership of `handle`. Runs on a libvirt thread (reads name and UUID locally, no RPC).
    init(connection: Connection, handle: OpaquePointer) {
        self.connection = connection
        self.handle = handle
        name = virStoragePoolGetName(handle).map { String(cString: $0) } ?? ""
        uuid =
            (try? readUUIDString("virStoragePoolGetUUIDString") { virStoragePoolGetUUIDString(handle, $0) }.get())
            ?? ""
    }

    deinit {
        virStoragePoolFree(handle)
    }

    var objectDescription: String { "storage pool '\(name)'" }

    // MARK: Lifecycle

    /// Prepares the pool's underlying storage, e.g. creates a `dir` pool's directory
    /// (`virStoragePoolBuild`). The pool must be inactive.
    public func build(flags: BuildFlags = []) async throws(LibvirtError) {
        try await callStatus("virStoragePoolBuild") { virStoragePoolBuild($0, flags.rawValue) }
    }

    /// Starts (activates) a defined pool (`virStoragePoolCreate`); `.operationInvalid` when it is
    /// already active.
    public func start(flags: StartFlags = []) async throws(LibvirtError) {
        try await callStatus("virStoragePoolCreate") { virStoragePoolCreate($0, flags.rawValue) }
    }

    /// Rescans the pool's storage for volumes and sizes (`virStoragePoolRefresh`).
    public func refresh() async throws(LibvirtError) {
        try await callStatus("virStoragePoolRefresh") { virStoragePoolRefresh($0, 0) }
    }

    /// Stops (deactivates) the pool; volumes stay on disk, a transient pool disappears
    /// (`virStoragePoolDestroy`).
    public func destroy() async throws(LibvirtError) {
        try await callStatus("virStoragePoolDestroy") { virStoragePoolDestroy($0) }
    }

    /// Removes the pool's underlying storage, e.g. a `dir` pool's (empty) directory
    /// (`virStoragePoolDelete`). The pool must be inactive. The opposite of ``build(flags:)``.
    public func delete(flags: DeleteFlags = []) async throws(LibvirtError) {
        try await callStatus("virStoragePoolDelete") { virStoragePoolDelete($0, flags.rawValue) }
    }

    /// Removes the pool's persistent definition (`virStoragePoolUndefine`).
    public func undefine() async throws(LibvirtError) {
        try await callStatus("virStoragePoolUndefine") { virStoragePoolUndefine($0) }
    }

    // MARK: State

    /// Whether the pool is active (`virStoragePoolIsActive`).
    public func isActive() async throws(LibvirtError) -> Bool {
        try await call("virStoragePoolIsActive") { checkBool(virStoragePoolIsActive($0), "virStoragePoolIsActive") }
    }

    /// Whether the pool has a persistent definition (`virStoragePoolIsPersistent`).
    public func isPersistent() async throws(LibvirtError) -> Bool {
        try await call("virStoragePoolIsPersistent") {
            checkBool(virStoragePoolIsPersistent($0), "virStoragePoolIsPersistent")
        }
    }

    /// State, capacity, allocation and free space in bytes (`virStoragePoolGetInfo`).
    public func info() async throws(LibvirtError) -> StoragePoolInfo {
        try await call("virStoragePoolGetInfo") { handle in
            var info = virStoragePoolInfo()
            return checkStatus(virStoragePoolGetInfo(handle, &info), "virStoragePoolGetInfo").map { _ in
                StoragePoolInfo(info)
            }
        }
    }

    /// The pool's XML description (`virStoragePoolGetXMLDesc`).
    public func xml(flags: StorageXMLFlags = []) async throws(LibvirtError) -> String {
        try await call("virStoragePoolGetXMLDesc") {
            takeString(virStoragePoolGetXMLDesc($0, flags.rawValue), "virStoragePoolGetXMLDesc")
        }
    }

    /// Whether the pool starts when libvirtd starts (`virStoragePoolGetAutostart`).
    public func autostart() async throws(LibvirtError) -> Bool {
        try await call("virStoragePoolGetAutostart") { handle in
            var value: Int32 = 0
            return checkStatus(virStoragePoolGetAutostart(handle, &value), "virStoragePoolGetAutostart")
                .map { _ in value != 0 }
        }
    }

    /// Sets whether the pool starts when libvirtd starts (`virStoragePoolSetAutostart`).
    public func setAutostart(_ enabled: Bool) async throws(LibvirtError) {
        try await callStatus("virStoragePoolSetAutostart") { virStoragePoolSetAutostart($0, enabled ? 1 : 0) }
    }

    // MARK: Volumes

    /// The pool's volumes (`virStoragePoolListAllVolumes`); the pool must be active.
    public func allVolumes() async throws(LibvirtError) -> [StorageVolume] {
        try await call("virStoragePoolListAllVolumes") { handle in
            var array: UnsafeMutablePointer<OpaquePointer?>?
            return checkStatus(
                virStoragePoolListAllVolumes(handle, &array, 0), "virStoragePoolListAllVolumes"
            ).map { count in
                takeArray(array, count: count) { StorageVolume(connection: self.connection, handle: $0) }
            }
        }
    }

    /// Looks a volume of this pool up by name (`virStorageVolLookupByName`); fails with
    /// `.noStorageVol` when absent.
    public func volume(named name: String) async throws(LibvirtError) -> StorageVolume {
        try await call("virStorageVolLookupByName") { handle in
            checkPointer(virStorageVolLookupByName(handle, name), "virStorageVolLookupByName", "volume '\(name)'")
                .map { StorageVolume(connection: self.connection, handle: $0) }
        }
    }

    /// Looks a volume of this pool up by name and returns nil instead of failing when there is none.
    public func volumeIfPresent(named name: String) async throws(LibvirtError) -> StorageVolume? {
        do {
            return try await volume(named: name)
        } catch where error.code == .noStorageVol {
            return nil
        }
    }

    /// Creates a volume from XML (`virStorageVolCreateXML`), e.g.
    /// `<volume><name>disk.qcow2</name><capacity unit='GiB'>10</capacity>
    /// <target><format type='qcow2'/></target></volume>`.
    public func createVolume(xml: String, flags: StorageVolume.CreateFlags = []) async throws(LibvirtError)
        -> StorageVolume
    {
        try await call("virStorageVolCreateXML") { handle in
            checkPointer(virStorageVolCreateXML(handle, xml, flags.rawValue), "virStorageVolCreateXML")
                .map { StorageVolume(connection: self.connection, handle: $0) }
        }
    }

    /// Creates a volume from XML whose contents are copied from `source`, which may live in another
    /// pool (`virStorageVolCreateXMLFrom`).
    public func cloneVolume(
        xml: String, from source: StorageVolume, flags: StorageVolume.CreateFlags = []
    ) async throws(LibvirtError) -> StorageVolume {
        try await call("virStorageVolCreateXMLFrom") { handle in
            checkPointer(
                virStorageVolCreateXMLFrom(handle, xml, source.handle, flags.rawValue), "virStorageVolCreateXMLFrom"
            ).map { StorageVolume(connection: self.connection, handle: $0) }
        }
    }
}

extension StoragePool: CustomStringConvertible {
    public var description: String { "StoragePool(\(name), \(uuid))" }
}
