/// An ISO 9660 directory record (ECMA-119 9.1) and the directory and path-table blocks built
/// from them.
struct DirectoryRecord {
    /// The identifier bytes: `[0x00]` for `.`, `[0x01]` for `..`, else a file name (d-characters
    /// for the primary hierarchy, UCS-2 big-endian for Joliet).
    var identifier: [UInt8]
    var extent: UInt32
    var dataLength: UInt32
    var isDirectory: Bool
    var recorded: ISOTimestamp
    /// The System Use area: SUSP / Rock Ridge entries, empty for Joliet.
    var systemUse: [UInt8] = []

    static let currentDirectory: [UInt8] = [0x00]
    static let parentDirectory: [UInt8] = [0x01]

    /// The record's bytes. The identifier is followed by a pad byte when its length is even, and
    /// the System Use area by a zero byte when needed to keep the record length even.
    var encoded: [UInt8] {
        var bytes: [UInt8] = [0, 0]  // length, extended attribute record length
        bytes += ByteFields.both32(extent)
        bytes += ByteFields.both32(dataLength)
        bytes += recorded.recordBytes
        bytes += [isDirectory ? 0x02 : 0x00, 0, 0]  // flags, file unit size, interleave gap
        bytes += ByteFields.both16(1)  // volume sequence number
        bytes += [UInt8(identifier.count)] + identifier
        if identifier.count % 2 == 0 { bytes.append(0) }
        bytes += systemUse
        if bytes.count % 2 == 1 { bytes.append(0) }
        precondition(bytes.count <= 255, "directory record of \(bytes.count) bytes")
        bytes[0] = UInt8(bytes.count)
        return bytes
    }

    /// A directory's extent: the records in order, none crossing a sector boundary (6.8.1.1),
    /// zero-filled to whole sectors.
    static func directory(_ records: [DirectoryRecord]) -> [UInt8] {
        var bytes: [UInt8] = []
        for record in records {
            let encoded = record.encoded
            let used = bytes.count % ISO9660Image.sectorSize
            if used + encoded.count > ISO9660Image.sectorSize {
                bytes += [UInt8](repeating: 0, count: ISO9660Image.sectorSize - used)
            }
            bytes += encoded
        }
        let tail = bytes.count % ISO9660Image.sectorSize
        if tail != 0 || bytes.isEmpty { bytes += [UInt8](repeating: 0, count: ISO9660Image.sectorSize - tail) }
        return bytes
    }

    /// A path table (9.4) with the root directory only: its extent, parent directory number 1,
    /// and the identifier 0x00 padded to an even length. `bigEndian` selects the M table.
    static func rootPathTable(rootExtent: UInt32, bigEndian: Bool) -> [UInt8] {
        let location = bigEndian ? ByteFields.big32(rootExtent) : ByteFields.little32(rootExtent)
        let parent = bigEndian ? ByteFields.big16(1) : ByteFields.little16(1)
        return [1, 0] + location + parent + [0x00, 0x00]
    }
}
