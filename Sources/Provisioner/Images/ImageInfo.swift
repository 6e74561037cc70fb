/// A base image: a volume in a storage pool, and who uses it.
public struct ImageInfo: Sendable, Hashable, Codable {
    /// The volume name.
    public var name: String
    /// The storage pool holding it.
    public var pool: String
    /// The volume's path on the host.
    public var path: String
    /// The volume's format as libvirt reports it (`qcow2`, `raw`, …).
    public var format: String
    /// The disk size the image holds, in bytes (a qcow2's virtual size).
    public var capacity: UInt64
    /// The bytes it takes on the host.
    public var allocation: UInt64
    /// The domains whose disks use the image, directly or through an overlay, sorted.
    public var usedBy: [String]
    /// The overlay volumes (`pool/volume`) whose backing store is the image, sorted.
    public var overlays: [String]

    public init(
        name: String, pool: String, path: String, format: String, capacity: UInt64, allocation: UInt64,
        usedBy: [String] = [], overlays: [String] = []
    ) {
        self.name = name
        self.pool = pool
        self.path = path
        self.format = format
        self.capacity = capacity
        self.allocation = allocation
        self.usedBy = usedBy
        self.overlays = overlays
    }
}

/// How far an import has got, for a progress bar.
public struct ImportProgress: Sendable, Hashable {
    /// What the import is doing.
    public enum Phase: String, Sendable, Hashable {
        /// Fetching the image from a URL into a temporary file (only for URLs).
        case downloading
        /// Reading the file to compute its SHA-256 (only with an expected checksum).
        case verifying
        /// Sending the file into the volume.
        case uploading
    }

    public var phase: Phase
    /// Bytes read or sent so far in this phase.
    public var bytesDone: UInt64
    /// The file's size; 0 while downloading when the server did not say how long the file is.
    public var totalBytes: UInt64

    public init(phase: Phase, bytesDone: UInt64, totalBytes: UInt64) {
        self.phase = phase
        self.bytesDone = bytesDone
        self.totalBytes = totalBytes
    }

    /// Whether the total is known (it is not for a download without Content-Length).
    public var totalKnown: Bool { totalBytes > 0 || phase != .downloading }

    /// Between 0 and 1; 0 while the total is unknown.
    public var fraction: Double {
        guard totalKnown else { return 0 }
        return totalBytes == 0 ? 1 : Double(bytesDone) / Double(totalBytes)
    }
}
