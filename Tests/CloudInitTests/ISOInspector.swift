/// A small, independent ISO 9660 reader for the structure tests: it reads fields at the offsets
/// ECMA-119 gives, checks that both-endian copies agree, and parses directory records and their
/// SUSP entries.
struct ISOInspector {
    let bytes: [UInt8]

    struct Inconsistent: Error, CustomStringConvertible {
        var description: String
    }

    func sector(_ number: Int) -> ArraySlice<UInt8> { bytes[(number * 2048)..<((number + 1) * 2048)] }

    func little16(_ offset: Int) -> Int { Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 }
    func big16(_ offset: Int) -> Int { Int(bytes[offset]) << 8 | Int(bytes[offset + 1]) }
    func little32(_ offset: Int) -> Int { (0..<4).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) } }
    func big32(_ offset: Int) -> Int { (0..<4).reduce(0) { $0 << 8 | Int(bytes[offset + $1]) } }

    /// A both-endian 32-bit field; throws when the two copies differ.
    func both32(_ offset: Int) throws -> Int {
        let little = little32(offset)
        let big = big32(offset + 4)
        guard little == big else { throw Inconsistent(description: "both-endian 32 at \(offset): \(little) vs \(big)") }
        return little
    }

    func both16(_ offset: Int) throws -> Int {
        let little = little16(offset)
        let big = big16(offset + 2)
        guard little == big else { throw Inconsistent(description: "both-endian 16 at \(offset): \(little) vs \(big)") }
        return little
    }

    func ascii(_ offset: Int, _ length: Int) -> String {
        String(decoding: bytes[offset..<(offset + length)], as: UTF8.self)
    }

    /// UCS-2 big-endian text.
    func ucs2(_ offset: Int, _ length: Int) -> String {
        let units = stride(from: offset, to: offset + length - 1, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        return String(decoding: units, as: UTF16.self)
    }

    struct Record {
        var offset: Int
        var length: Int
        var extent: Int
        var dataLength: Int
        var flags: UInt8
        var identifier: [UInt8]
        var systemUse: [UInt8]
        var date: [UInt8]

        var isDirectory: Bool { flags & 0x02 != 0 }

        /// SUSP entries: signature and data (after the 4-byte header).
        var suspEntries: [(signature: String, version: UInt8, data: [UInt8])] {
            var entries: [(String, UInt8, [UInt8])] = []
            var index = 0
            while index + 4 <= systemUse.count {
                let length = Int(systemUse[index + 2])
                guard length >= 4, index + length <= systemUse.count else { break }
                let signature = String(decoding: systemUse[index..<(index + 2)], as: UTF8.self)
                entries.append((signature, systemUse[index + 3], Array(systemUse[(index + 4)..<(index + length)])))
                index += length
            }
            return entries
        }

        func susp(_ signature: String) -> [UInt8]? { suspEntries.first { $0.signature == signature }?.data }
    }

    /// The directory record at `offset`.
    func record(at offset: Int) throws -> Record {
        let length = Int(bytes[offset])
        let nameLength = Int(bytes[offset + 32])
        let identifier = Array(bytes[(offset + 33)..<(offset + 33 + nameLength)])
        let systemUseStart = offset + 33 + nameLength + (nameLength % 2 == 0 ? 1 : 0)
        return Record(
            offset: offset, length: length, extent: try both32(offset + 2), dataLength: try both32(offset + 10),
            flags: bytes[offset + 25], identifier: identifier,
            systemUse: Array(bytes[systemUseStart..<(offset + length)]), date: Array(bytes[(offset + 18)..<(offset + 25)]))
    }

    /// All records of the directory at `extent` with `size` bytes, skipping sector padding.
    func directory(extent: Int, size: Int) throws -> [Record] {
        var records: [Record] = []
        var offset = extent * 2048
        let end = offset + size
        while offset < end {
            if bytes[offset] == 0 {
                offset = (offset / 2048 + 1) * 2048  // the rest of this sector is padding
                continue
            }
            let record = try record(at: offset)
            guard offset / 2048 == (offset + record.length - 1) / 2048 else {
                throw Inconsistent(description: "record at \(offset) crosses a sector boundary")
            }
            records.append(record)
            offset += record.length
        }
        return records
    }

    /// The root record of the volume descriptor in `sector`, and its directory's records.
    func root(descriptorSector: Int) throws -> (Record, [Record]) {
        let root = try record(at: descriptorSector * 2048 + 156)
        return (root, try directory(extent: root.extent, size: root.dataLength))
    }

    /// The file contents a record points at.
    func contents(of record: Record) -> [UInt8] {
        Array(bytes[(record.extent * 2048)..<(record.extent * 2048 + record.dataLength)])
    }
}
