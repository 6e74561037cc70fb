import CLibvirt

// Flag sets and figures of the storage volume API; OptionSet members name the C constants.

extension StorageVolume {
    /// Flags for ``StoragePool/createVolume(xml:flags:)`` and ``StoragePool/cloneVolume(xml:from:flags:)``
    /// (`virStorageVolCreateFlags`).
    public struct CreateFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA`: preallocate only metadata (qcow2), not data.
        public static let preallocateMetadata = CreateFlags(
            rawValue: VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA.rawValue)
        /// `VIR_STORAGE_VOL_CREATE_REFLINK`: clone with a copy-on-write reflink (btrfs, XFS).
        public static let reflink = CreateFlags(rawValue: VIR_STORAGE_VOL_CREATE_REFLINK.rawValue)
        /// `VIR_STORAGE_VOL_CREATE_VALIDATE`: validate the XML against libvirt's schema. libvirt 9.0
        /// then passes the flag on to its parser, which refuses it: XML that passes the schema fails
        /// with `.invalidArg` ("unsupported flags (0x4)"), so the flag is only good for finding errors.
        public static let validate = CreateFlags(rawValue: VIR_STORAGE_VOL_CREATE_VALIDATE.rawValue)
    }

    /// Flags for ``StorageVolume/delete(flags:)`` (`virStorageVolDeleteFlags`).
    public struct DeleteFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_STORAGE_VOL_DELETE_ZEROED`: clear the data to zeros first (slow).
        public static let zeroed = DeleteFlags(rawValue: VIR_STORAGE_VOL_DELETE_ZEROED.rawValue)
        /// `VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS`: also remove snapshots (e.g. RBD).
        public static let withSnapshots = DeleteFlags(rawValue: VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS.rawValue)
    }

    /// Flags for ``StorageVolume/resize(capacity:flags:)`` (`virStorageVolResizeFlags`).
    public struct ResizeFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_STORAGE_VOL_RESIZE_ALLOCATE`: allocate the new space rather than leaving it sparse.
        public static let allocate = ResizeFlags(rawValue: VIR_STORAGE_VOL_RESIZE_ALLOCATE.rawValue)
        /// `VIR_STORAGE_VOL_RESIZE_DELTA`: the capacity is relative to the current one.
        public static let delta = ResizeFlags(rawValue: VIR_STORAGE_VOL_RESIZE_DELTA.rawValue)
        /// `VIR_STORAGE_VOL_RESIZE_SHRINK`: allow the capacity to decrease.
        public static let shrink = ResizeFlags(rawValue: VIR_STORAGE_VOL_RESIZE_SHRINK.rawValue)
    }

    /// How ``StorageVolume/wipe(algorithm:)`` overwrites data (`virStorageVolWipeAlgorithm`).
    public enum WipeAlgorithm: UInt32, Sendable, Hashable, CaseIterable {
        /// `VIR_STORAGE_VOL_WIPE_ALG_ZERO`: one pass of zeros.
        case zero = 0
        /// `VIR_STORAGE_VOL_WIPE_ALG_NNSA`: 4 passes, NNSA Policy Letter NAP-14.1-C (XVI-8).
        case nnsa
        /// `VIR_STORAGE_VOL_WIPE_ALG_DOD`: 4 passes, DoD 5220.22-M section 8-306.
        case dod
        /// `VIR_STORAGE_VOL_WIPE_ALG_BSI`: 9 passes, German BSI recommendation.
        case bsi
        /// `VIR_STORAGE_VOL_WIPE_ALG_GUTMANN`: the 35-pass Gutmann sequence.
        case gutmann
        /// `VIR_STORAGE_VOL_WIPE_ALG_SCHNEIER`: 7 passes (Schneier, Applied Cryptography).
        case schneier
        /// `VIR_STORAGE_VOL_WIPE_ALG_PFITZNER7`: 7 passes of random data.
        case pfitzner7
        /// `VIR_STORAGE_VOL_WIPE_ALG_PFITZNER33`: 33 passes of random data.
        case pfitzner33
        /// `VIR_STORAGE_VOL_WIPE_ALG_RANDOM`: one pass of random data.
        case random
        /// `VIR_STORAGE_VOL_WIPE_ALG_TRIM`: discard all data (TRIM/DISCARD).
        case trim
    }
}

/// A storage volume's kind and sizes (`virStorageVolInfo`).
public struct StorageVolumeInfo: Sendable, Hashable {
    /// `virStorageVolType`.
    public enum Kind: Int32, Sendable, Hashable, CaseIterable {
        /// `VIR_STORAGE_VOL_FILE`: a regular file.
        case file = 0
        /// `VIR_STORAGE_VOL_BLOCK`: a block device.
        case block
        /// `VIR_STORAGE_VOL_DIR`: a directory passed through.
        case dir
        /// `VIR_STORAGE_VOL_NETWORK`: a network volume such as Ceph RBD.
        case network
        /// `VIR_STORAGE_VOL_NETDIR`: a network-accessible directory.
        case netdir
        /// `VIR_STORAGE_VOL_PLOOP`: a Virtuozzo ploop volume.
        case ploop
        /// A kind this binding does not know (a newer libvirt).
        case unknown = -1
    }

    public var kind: Kind
    /// Logical size in bytes (what the guest sees).
    public var capacity: UInt64
    /// Bytes actually used on the host (less than `capacity` for sparse or qcow2 volumes).
    public var allocation: UInt64

    init(_ info: virStorageVolInfo) {
        kind = Kind(rawValue: info.type) ?? .unknown
        capacity = UInt64(info.capacity)
        allocation = UInt64(info.allocation)
    }
}
