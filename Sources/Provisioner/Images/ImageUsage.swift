/// Who uses an image, decided from facts already read from libvirt (no I/O here, so it is tested
/// on plain values).
///
/// A domain uses an image when one of its disks is the image — by pool and volume name, or by file
/// path — or is an overlay volume whose backing store is the image's path, or shows the image in
/// its own `<backingStore>` chain (live domain XML does).
enum ImageUsage {
    /// One disk of a domain, as its XML names its source.
    struct Disk: Sendable, Hashable {
        var file: String?
        var pool: String?
        var volume: String?
        /// Files of the disk's `<backingStore>` chain in the domain XML.
        var backingFiles: [String] = []
    }

    /// A volume with a backing store.
    struct Overlay: Sendable, Hashable {
        var pool: String
        var name: String
        var path: String
        var backingPath: String

        var label: String { "\(pool)/\(name)" }
    }

    struct Image: Sendable, Hashable {
        var pool: String
        var name: String
        var path: String
    }

    /// The sorted names of the domains using `image`, and the sorted overlays (`pool/volume`) on it.
    static func usage(of image: Image, domains: [String: [Disk]], overlays: [Overlay])
        -> (domains: [String], overlays: [String])
    {
        let onImage = overlays.filter { $0.backingPath == image.path && !($0.pool == image.pool && $0.name == image.name) }
        let users = domains.filter { _, disks in
            disks.contains { disk in
                uses(disk, image) || onImage.contains { uses(disk, Image(pool: $0.pool, name: $0.name, path: $0.path)) }
            }
        }
        return (users.keys.sorted(), onImage.map(\.label).sorted())
    }

    private static func uses(_ disk: Disk, _ image: Image) -> Bool {
        if disk.pool == image.pool, disk.volume == image.name { return true }
        if let file = disk.file, file == image.path { return true }
        return disk.backingFiles.contains(image.path)
    }
}
