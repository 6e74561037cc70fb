/// The disk image formats kinvm imports as base images.
///
/// ``detect(header:trailer:fileSize:)`` tells them apart from the first and last bytes of a file,
/// without I/O: qcow2 by its magic, raw as anything else that is a whole number of 512-byte
/// sectors. Other formats QEMU knows (VMDK, VDI, VHD, VHDX, QED, LUKS) and compressed files are
/// recognised by their magic and refused by name, so that they are not imported as "raw" garbage.
public enum ImageFormat: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case qcow2
    case raw

    public var description: String { rawValue }

    /// How many bytes from the start of the file detection needs.
    public static let headerLength = 512
    /// How many bytes from the end of the file detection needs (a VHD footer).
    public static let trailerLength = 512

    /// What detection found in a file.
    public struct Probe: Sendable, Hashable {
        public var format: ImageFormat
        /// The size of the disk the image holds: the qcow2 header's size, or a raw file's length.
        public var virtualSize: UInt64
        /// The qcow2 version (2 or 3); nil for raw.
        public var qcow2Version: UInt32?

        public init(format: ImageFormat, virtualSize: UInt64, qcow2Version: UInt32? = nil) {
            self.format = format
            self.virtualSize = virtualSize
            self.qcow2Version = qcow2Version
        }
    }

    /// Detects the format of a file from its first ``headerLength`` bytes (fewer for a short file),
    /// its last ``trailerLength`` bytes and its length.
    /// - Throws: `.unsupportedFormat` for another known format, a compressed file, a qcow2 with a
    ///   backing file or a malformed qcow2 header, and for a "raw" file that is empty or not a
    ///   multiple of 512 bytes.
    public static func detect(header: [UInt8], trailer: [UInt8], fileSize: UInt64) throws(ProvisionerError) -> Probe {
        if header.starts(with: qcow2Magic) { return try qcow2(header) }
        if let name = otherFormat(header: header, trailer: trailer) {
            throw ProvisionerError(.unsupportedFormat, "it is a \(name) image; kinvm imports qcow2 or raw images (convert it with qemu-img convert -O qcow2)")
        }
        if let name = compression(header) {
            throw ProvisionerError(.unsupportedFormat, "it is \(name)-compressed; decompress it first")
        }
        guard fileSize > 0 else { throw ProvisionerError(.unsupportedFormat, "it is empty") }
        guard fileSize % 512 == 0 else {
            throw ProvisionerError(
                .unsupportedFormat,
                "it is neither qcow2 nor a raw disk image: \(fileSize) bytes is not a whole number of 512-byte sectors")
        }
        return Probe(format: .raw, virtualSize: fileSize)
    }

    // MARK: qcow2

    static let qcow2Magic: [UInt8] = [0x51, 0x46, 0x49, 0xFB]  // "QFI\xfb"

    /// Reads a qcow2 header: version (offset 4), backing file offset and size (8, 16), size (24),
    /// all big-endian.
    private static func qcow2(_ header: [UInt8]) throws(ProvisionerError) -> Probe {
        guard header.count >= 32 else {
            throw ProvisionerError(.unsupportedFormat, "it has a qcow2 magic but its header is truncated")
        }
        let version = UInt32(truncatingIfNeeded: bigEndian(header, at: 4, count: 4))
        guard version == 2 || version == 3 else {
            throw ProvisionerError(.unsupportedFormat, "it is qcow2 version \(version); only versions 2 and 3 exist")
        }
        guard bigEndian(header, at: 8, count: 8) == 0, bigEndian(header, at: 16, count: 4) == 0 else {
            throw ProvisionerError(
                .unsupportedFormat,
                "an image with a backing file cannot be imported (flatten it first: qemu-img convert -O qcow2)")
        }
        let size = bigEndian(header, at: 24, count: 8)
        guard size > 0 else { throw ProvisionerError(.unsupportedFormat, "it is a qcow2 image of virtual size 0") }
        return Probe(format: .qcow2, virtualSize: size, qcow2Version: version)
    }

    private static func bigEndian(_ bytes: [UInt8], at offset: Int, count: Int) -> UInt64 {
        bytes[offset..<offset + count].reduce(0) { $0 << 8 | UInt64($1) }
    }

    // MARK: Formats refused by name

    /// The name of another image format the bytes are in, or nil.
    static func otherFormat(header: [UInt8], trailer: [UInt8]) -> String? {
        let magics: [(String, [UInt8])] = [
            ("VMDK", Array("KDMV".utf8)),
            ("VHDX", Array("vhdxfile".utf8)),
            ("QED", Array("QED".utf8) + [0]),
            ("LUKS", Array("LUKS".utf8) + [0xBA, 0xBE]),
            ("VHD", Array("conectix".utf8)),  // dynamic VHDs have a copy of the footer first
        ]
        if let match = magics.first(where: { header.starts(with: $0.1) }) { return match.0 }
        // VDI: a "<<< … >>>" text, then the signature 0xbeda107f (little-endian) at 0x40.
        if header.starts(with: Array("<<< ".utf8)), header.count >= 0x44,
            Array(header[0x40..<0x44]) == [0x7F, 0x10, 0xDA, 0xBE]
        {
            return "VDI"
        }
        // VHD: the 512-byte footer at the end of the file starts with "conectix".
        if trailer.count >= 512, trailer[(trailer.count - 512)...].starts(with: Array("conectix".utf8)) {
            return "VHD"
        }
        return nil
    }

    /// The compression a file's magic shows, or nil.
    static func compression(_ header: [UInt8]) -> String? {
        let magics: [(String, [UInt8])] = [
            ("gzip", [0x1F, 0x8B]),
            ("xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]),
            ("zstd", [0x28, 0xB5, 0x2F, 0xFD]),
            ("bzip2", Array("BZh".utf8)),
        ]
        return magics.first { header.starts(with: $0.1) }?.0
    }
}
