/// The volume descriptors (ECMA-119 8): the primary one, Joliet's supplementary one (the same
/// layout with UCS-2 identifiers and the escape sequence `%/E`), and the set terminator.
struct VolumeDescriptor {
    enum Kind {
        case primary
        /// Joliet, UCS-2 level 3.
        case joliet
    }

    var kind: Kind
    var volumeLabel: String
    var volumeSpaceSize: UInt32
    var pathTableSize: UInt32
    var littleEndianPathTable: UInt32
    var bigEndianPathTable: UInt32
    /// The root directory's record (34 bytes, no System Use).
    var rootRecord: DirectoryRecord
    var created: ISOTimestamp

    static let systemIdentifier = "LINUX"
    static let applicationIdentifier = "KINVM CLOUDINIT"

    /// The 2048-byte sector.
    var encoded: [UInt8] {
        var sector = [UInt8](repeating: 0, count: ISO9660Image.sectorSize)
        sector.write([kind == .primary ? 1 : 2] + Array("CD001".utf8) + [1], at: 0)
        sector.write(identifier(Self.systemIdentifier, length: 32), at: 8)
        sector.write(identifier(volumeLabel, length: 32), at: 40)
        sector.write(ByteFields.both32(volumeSpaceSize), at: 80)
        if kind == .joliet { sector.write(Array("%/E".utf8), at: 88) }
        sector.write(ByteFields.both16(1), at: 120)  // volume set size
        sector.write(ByteFields.both16(1), at: 124)  // volume sequence number
        sector.write(ByteFields.both16(UInt16(ISO9660Image.sectorSize)), at: 128)
        sector.write(ByteFields.both32(pathTableSize), at: 132)
        sector.write(ByteFields.little32(littleEndianPathTable), at: 140)
        sector.write(ByteFields.big32(bigEndianPathTable), at: 148)
        sector.write(rootRecord.encoded, at: 156)
        sector.write(identifier("", length: 128), at: 190)  // volume set
        sector.write(identifier("", length: 128), at: 318)  // publisher
        sector.write(identifier("", length: 128), at: 446)  // data preparer
        sector.write(identifier(Self.applicationIdentifier, length: 128), at: 574)
        sector.write(identifier("", length: 37), at: 702)  // copyright file
        sector.write(identifier("", length: 37), at: 739)  // abstract file
        sector.write(identifier("", length: 37), at: 776)  // bibliographic file
        sector.write(created.descriptorBytes, at: 813)  // creation
        sector.write(created.descriptorBytes, at: 830)  // modification
        sector.write(ISOTimestamp.unspecifiedDescriptorBytes, at: 847)  // expiration
        sector.write(ISOTimestamp.unspecifiedDescriptorBytes, at: 864)  // effective
        sector[881] = 1  // file structure version
        return sector
    }

    private func identifier(_ text: String, length: Int) -> [UInt8] {
        kind == .primary ? ByteFields.ascii(text, length: length) : ByteFields.ucs2(text, length: length)
    }

    /// The Volume Descriptor Set Terminator (8.3).
    static var terminator: [UInt8] {
        [255] + Array("CD001".utf8) + [1] + [UInt8](repeating: 0, count: ISO9660Image.sectorSize - 7)
    }
}
