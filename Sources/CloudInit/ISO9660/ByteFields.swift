/// The integer and text encodings ECMA-119 uses (section 7): little-, big- and both-endian
/// numbers, and space-padded identifier fields.
enum ByteFields {
    /// 7.2.3: a 16-bit number, little-endian then big-endian (4 bytes).
    static func both16(_ value: UInt16) -> [UInt8] { little16(value) + big16(value) }

    /// 7.3.3: a 32-bit number, little-endian then big-endian (8 bytes).
    static func both32(_ value: UInt32) -> [UInt8] { little32(value) + big32(value) }

    static func little16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    static func big16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

    static func little32(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
    }

    static func big32(_ value: UInt32) -> [UInt8] { little32(value).reversed() }

    /// An ASCII identifier field of `length` bytes, padded with spaces (0x20).
    static func ascii(_ text: String, length: Int) -> [UInt8] {
        let bytes = Array(text.utf8.prefix(length))
        return bytes + [UInt8](repeating: 0x20, count: length - bytes.count)
    }

    /// A Joliet identifier field of `length` bytes: UCS-2 big-endian, padded with UCS-2 spaces.
    static func ucs2(_ text: String, length: Int) -> [UInt8] {
        var bytes = ucs2(text)
        bytes = Array(bytes.prefix(length - length % 2))
        while bytes.count + 2 <= length { bytes += [0x00, 0x20] }
        return bytes + [UInt8](repeating: 0, count: length - bytes.count)
    }

    /// UCS-2 big-endian code units (callers only pass text from the Basic Multilingual Plane).
    static func ucs2(_ text: String) -> [UInt8] {
        text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}

extension Array where Element == UInt8 {
    /// Copies `bytes` over the array starting at `offset`.
    mutating func write(_ bytes: [UInt8], at offset: Int) {
        replaceSubrange(offset..<(offset + bytes.count), with: bytes)
    }
}
