import CLibvirt

extension Connection {
    /// Defines (or redefines) a persistent storage pool from XML; it is neither built nor started
    /// (`virStoragePoolDefineXML`).
    public func defineStoragePool(xml: String, flags: StoragePool.DefineFlags = []) async throws(LibvirtError)
        -> StoragePool
    {
        try await call("virStoragePoolDefineXML") { handle in
            checkPointer(virStoragePoolDefineXML(handle, xml, flags.rawValue), "virStoragePoolDefineXML")
                .map { StoragePool(connection: self, handle: $0) }
        }
    }

    /// Creates and starts a transient storage pool from XML; it disappears when destroyed
    /// (`virStoragePoolCreateXML`).
    public func createTransientStoragePool(xml: String, flags: StoragePool.StartFlags = [])
        async throws(LibvirtError) -> StoragePool
    {
        try await call("virStoragePoolCreateXML") { handle in
            checkPointer(virStoragePoolCreateXML(handle, xml, flags.rawValue), "virStoragePoolCreateXML")
                .map { StoragePool(connection: self, handle: $0) }
        }
    }

    /// Looks a storage pool up by name (`virStoragePoolLookupByName`); fails with `.noStoragePool`
    /// when absent.
    public func storagePool(named name: String) async throws(LibvirtError) -> StoragePool {
        try await call("virStoragePoolLookupByName") { handle in
            checkPointer(
                virStoragePoolLookupByName(handle, name), "virStoragePoolLookupByName", "storage pool '\(name)'"
            ).map { StoragePool(connection: self, handle: $0) }
        }
    }

    /// Looks a storage pool up by UUID string (`virStoragePoolLookupByUUIDString`).
    public func storagePool(uuid: String) async throws(LibvirtError) -> StoragePool {
        try await call("virStoragePoolLookupByUUIDString") { handle in
            checkPointer(
                virStoragePoolLookupByUUIDString(handle, uuid), "virStoragePoolLookupByUUIDString",
                "storage pool UUID '\(uuid)'"
            ).map { StoragePool(connection: self, handle: $0) }
        }
    }

    /// Looks a storage pool up by name and returns nil instead of failing when there is none.
    public func storagePoolIfPresent(named name: String) async throws(LibvirtError) -> StoragePool? {
        do {
            return try await storagePool(named: name)
        } catch where error.code == .noStoragePool {
            return nil
        }
    }

    /// Lists storage pools, optionally filtered (`virConnectListAllStoragePools`).
    public func allStoragePools(_ filter: StoragePoolListFilter = []) async throws(LibvirtError) -> [StoragePool] {
        try await call("virConnectListAllStoragePools") { handle in
            var array: UnsafeMutablePointer<OpaquePointer?>?
            return checkStatus(
                virConnectListAllStoragePools(handle, &array, filter.rawValue), "virConnectListAllStoragePools"
            ).map { count in
                takeArray(array, count: count) { StoragePool(connection: self, handle: $0) }
            }
        }
    }

    /// Looks a volume up by its path on the host, in any pool (`virStorageVolLookupByPath`); fails
    /// with `.noStorageVol` when no active pool has it.
    public func volume(path: String) async throws(LibvirtError) -> StorageVolume {
        try await call("virStorageVolLookupByPath") { handle in
            checkPointer(virStorageVolLookupByPath(handle, path), "virStorageVolLookupByPath", "volume path '\(path)'")
                .map { StorageVolume(connection: self, handle: $0) }
        }
    }

    /// Looks a volume up by its key, in any pool (`virStorageVolLookupByKey`).
    public func volume(key: String) async throws(LibvirtError) -> StorageVolume {
        try await call("virStorageVolLookupByKey") { handle in
            checkPointer(virStorageVolLookupByKey(handle, key), "virStorageVolLookupByKey", "volume key '\(key)'")
                .map { StorageVolume(connection: self, handle: $0) }
        }
    }

    /// Creates a stream for transferring data, e.g. to ``StorageVolume/startUpload(on:offset:length:)``
    /// (`virStreamNew`). Prefer blocking streams (no flags): every call runs on a libvirt thread
    /// anyway, and a non-blocking stream makes ``Stream/send(_:)`` and ``Stream/receive(max:)`` poll.
    public func newStream(flags: Stream.Flags = []) async throws(LibvirtError) -> Stream {
        try await call("virStreamNew") { handle in
            checkPointer(virStreamNew(handle, flags.rawValue), "virStreamNew")
                .map { Stream(connection: self, handle: $0, flags: flags) }
        }
    }
}
