import CLibvirt

// Flag sets and figures of the storage pool API; OptionSet members name the C constants.

extension StoragePool {
    /// Flags for ``Connection/defineStoragePool(xml:flags:)`` (`virStoragePoolDefineFlags`).
    public struct DefineFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_STORAGE_POOL_DEFINE_VALIDATE`: validate the XML against libvirt's schema.
        public static let validate = DefineFlags(rawValue: VIR_STORAGE_POOL_DEFINE_VALIDATE.rawValue)
    }

    /// Flags for ``StoragePool/start(flags:)`` and ``Connection/createTransientStoragePool(xml:flags:)``
    /// (`virStoragePoolCreateFlags`). Empty starts without building.
    public struct StartFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_STORAGE_POOL_CREATE_WITH_BUILD`: build the pool (e.g. create its directory) first.
        public static let build = StartFlags(rawValue: VIR_STORAGE_POOL_CREATE_WITH_BUILD.rawValue)
        /// `VIR_STORAGE_POOL_CREATE_WITH_BUILD_OVERWRITE`: build, overwriting existing data.
        public static let buildOverwrite = StartFlags(rawValue: VIR_STORAGE_POOL_CREATE_WITH_BUILD_OVERWRITE.rawValue)
        /// `VIR_STORAGE_POOL_CREATE_WITH_BUILD_NO_OVERWRITE`: build, failing if data exists.
        public static let buildNoOverwrite = StartFlags(
            rawValue: VIR_STORAGE_POOL_CREATE_WITH_BUILD_NO_OVERWRITE.rawValue)
    }

    /// Flags for ``StoragePool/build(flags:)`` (`virStoragePoolBuildFlags`). Empty builds from scratch.
    public struct BuildFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_STORAGE_POOL_BUILD_REPAIR`: repair or reinitialise.
        public static let repair = BuildFlags(rawValue: VIR_STORAGE_POOL_BUILD_REPAIR.rawValue)
        /// `VIR_STORAGE_POOL_BUILD_RESIZE`: extend an existing pool.
        public static let resize = BuildFlags(rawValue: VIR_STORAGE_POOL_BUILD_RESIZE.rawValue)
        /// `VIR_STORAGE_POOL_BUILD_NO_OVERWRITE`: fail rather than overwrite existing data.
        public static let noOverwrite = BuildFlags(rawValue: VIR_STORAGE_POOL_BUILD_NO_OVERWRITE.rawValue)
        /// `VIR_STORAGE_POOL_BUILD_OVERWRITE`: overwrite existing data.
        public static let overwrite = BuildFlags(rawValue: VIR_STORAGE_POOL_BUILD_OVERWRITE.rawValue)
    }

    /// Flags for ``StoragePool/delete(flags:)`` (`virStoragePoolDeleteFlags`). Empty removes only
    /// what the pool itself is (e.g. its directory).
    public struct DeleteFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_STORAGE_POOL_DELETE_ZEROED`: clear all data to zeros first (slow).
        public static let zeroed = DeleteFlags(rawValue: VIR_STORAGE_POOL_DELETE_ZEROED.rawValue)
    }
}

/// Flags for ``StoragePool/xml(flags:)`` and ``StorageVolume/xml(flags:)`` (`virStorageXMLFlags`).
public struct StorageXMLFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `VIR_STORAGE_XML_INACTIVE`: the persistent definition rather than the live one.
    public static let inactive = StorageXMLFlags(rawValue: VIR_STORAGE_XML_INACTIVE.rawValue)
}

/// A storage pool's state and sizes (`virStoragePoolInfo`).
public struct StoragePoolInfo: Sendable, Hashable {
    /// `virStoragePoolState`.
    public enum State: Int32, Sendable, Hashable, CaseIterable {
        /// `VIR_STORAGE_POOL_INACTIVE`: not running.
        case inactive = 0
        /// `VIR_STORAGE_POOL_BUILDING`: being initialised, not available.
        case building
        /// `VIR_STORAGE_POOL_RUNNING`.
        case running
        /// `VIR_STORAGE_POOL_DEGRADED`: running, degraded.
        case degraded
        /// `VIR_STORAGE_POOL_INACCESSIBLE`: running, but not accessible.
        case inaccessible
        /// A state this binding does not know (a newer libvirt).
        case unknown = -1
    }

    public var state: State
    /// Logical size in bytes.
    public var capacity: UInt64
    /// Bytes allocated to volumes.
    public var allocation: UInt64
    /// Bytes still free.
    public var available: UInt64

    init(_ info: virStoragePoolInfo) {
        state = State(rawValue: info.state) ?? .unknown
        capacity = UInt64(info.capacity)
        allocation = UInt64(info.allocation)
        available = UInt64(info.available)
    }
}

extension Connection {
    /// Filters for ``Connection/allStoragePools(_:)`` (`virConnectListAllStoragePoolsFlags`). Empty
    /// lists all; within each group giving none means "don't filter".
    public struct StoragePoolListFilter: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE`.
        public static let active = StoragePoolListFilter(rawValue: VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE.rawValue)
        /// `VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE`.
        public static let inactive = StoragePoolListFilter(rawValue: VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE.rawValue)
        /// `VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT`.
        public static let persistent = StoragePoolListFilter(rawValue: VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT.rawValue)
        /// `VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT`.
        public static let transient = StoragePoolListFilter(rawValue: VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT.rawValue)
        /// `VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART`.
        public static let autostart = StoragePoolListFilter(rawValue: VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART.rawValue)
        /// `VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART`.
        public static let noAutostart = StoragePoolListFilter(
            rawValue: VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART.rawValue)
        /// `VIR_CONNECT_LIST_STORAGE_POOLS_DIR`: directory pools.
        public static let dir = StoragePoolListFilter(rawValue: VIR_CONNECT_LIST_STORAGE_POOLS_DIR.rawValue)
        /// `VIR_CONNECT_LIST_STORAGE_POOLS_FS`: pools on a block device's file system.
        public static let fs = StoragePoolListFilter(rawValue: VIR_CONNECT_LIST_STORAGE_POOLS_FS.rawValue)
        /// `VIR_CONNECT_LIST_STORAGE_POOLS_NETFS`: network file system pools.
        public static let netfs = StoragePoolListFilter(rawValue: VIR_CONNECT_LIST_STORAGE_POOLS_NETFS.rawValue)
        /// `VIR_CONNECT_LIST_STORAGE_POOLS_LOGICAL`: LVM volume groups.
        public static let logical = StoragePoolListFilter(rawValue: VIR_CONNECT_LIST_STORAGE_POOLS_LOGICAL.rawValue)
        /// `VIR_CONNECT_LIST_STORAGE_POOLS_DISK`: partitioned disks.
        public static let disk = StoragePoolListFilter(rawValue: VIR_CONNECT_LIST_STORAGE_POOLS_DISK.rawValue)
        /// `VIR_CONNECT_LIST_STORAGE_POOLS_ISCSI`.
        public static let iscsi = StoragePoolListFilter(rawValue: VIR_CONNECT_LIST_STORAGE_POOLS_ISCSI.rawValue)
        /// `VIR_CONNECT_LIST_STORAGE_POOLS_RBD`: Ceph RBD.
        public static let rbd = StoragePoolListFilter(rawValue: VIR_CONNECT_LIST_STORAGE_POOLS_RBD.rawValue)
        /// `VIR_CONNECT_LIST_STORAGE_POOLS_ZFS`.
        public static let zfs = StoragePoolListFilter(rawValue: VIR_CONNECT_LIST_STORAGE_POOLS_ZFS.rawValue)
    }
}
