/// System Use Sharing Protocol (SUSP, IEEE P1281) and Rock Ridge (RRIP 1.10, IEEE P1282) entries
/// for the primary hierarchy, so Linux shows the real, lower-case names and POSIX modes.
///
/// Each entry is: two signature bytes, its total length, a version (1), then its data.
enum RockRidge {
    /// SUSP `SP`: first entry of the root's `.` record; says SUSP is in use, skipping 0 bytes.
    static let suspIndicator: [UInt8] = entry("SP", [0xBE, 0xEF, 0])

    /// SUSP `ER`: names the extension in use (RRIP 1.10, identifier `RRIP_1991A`).
    static var extensionReference: [UInt8] {
        let identifier = Array("RRIP_1991A".utf8)
        let descriptor = Array("ROCK RIDGE INTERCHANGE PROTOCOL: POSIX FILE SYSTEM SEMANTICS".utf8)
        let source = Array("SEE IEEE P1282".utf8)
        let header: [UInt8] = [UInt8(identifier.count), UInt8(descriptor.count), UInt8(source.count), 1]
        return entry("ER", header + identifier + descriptor + source)
    }

    /// RRIP 1.10 `RR`: which Rock Ridge entries follow in this record.
    static func presence(hasName: Bool) -> [UInt8] {
        let px: UInt8 = 0x01, nm: UInt8 = 0x08, tf: UInt8 = 0x80
        return entry("RR", [px | tf | (hasName ? nm : 0)])
    }

    /// `PX`: mode, link count, uid and gid, each both-endian (36 bytes, the RRIP 1.10 form).
    static func posixAttributes(mode: UInt32, links: UInt32) -> [UInt8] {
        entry("PX", ByteFields.both32(mode) + ByteFields.both32(links) + ByteFields.both32(0) + ByteFields.both32(0))
    }

    /// `NM`: the file's real name, whole (no continuation).
    static func alternateName(_ name: String) -> [UInt8] {
        entry("NM", [0] + Array(name.utf8))
    }

    /// `TF`: modification, access and attribute-change times, in the 7-byte form.
    static func timestamps(_ time: ISOTimestamp) -> [UInt8] {
        entry("TF", [0x0E] + time.recordBytes + time.recordBytes + time.recordBytes)
    }

    static let directoryMode: UInt32 = 0o040555
    static let fileMode: UInt32 = 0o100444

    private static func entry(_ signature: String, _ data: [UInt8]) -> [UInt8] {
        Array(signature.utf8) + [UInt8(4 + data.count), 1] + data
    }
}
