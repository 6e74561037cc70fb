/// File identifiers for the two directory hierarchies.
///
/// The primary hierarchy uses ISO 9660 level 1 names: 8.3 upper-case d-characters with version
/// `;1` (ECMA-119 7.5), e.g. `user-data` becomes `USER_DAT.;1`. They are fallbacks for readers
/// that know neither Rock Ridge (whose `NM` entry carries the real name) nor Joliet.
enum ISONames {
    /// Level 1 identifiers for `names`, in the same order, made unique by replacing the end of
    /// the name part with a counter (`USER_DA1.;1`).
    static func level1(_ names: [String]) -> [String] {
        var used: Set<String> = []
        return names.map { name in
            let (base, ext) = split(name)
            var candidate = base
            var counter = 0
            while used.contains(candidate + "." + ext) {
                counter += 1
                let suffix = String(counter)
                candidate = String(base.prefix(8 - suffix.count)) + suffix
            }
            used.insert(candidate + "." + ext)
            return candidate + "." + ext + ";1"
        }
    }

    /// The name and extension parts: d-characters (A-Z, 0-9, '_'), at most 8 and 3 of them.
    private static func split(_ name: String) -> (String, String) {
        var base = Substring(name)
        var ext: Substring = ""
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            base = name[..<dot]
            ext = name[name.index(after: dot)...]
        }
        let mappedBase = String(dCharacters(base).prefix(8))
        return (mappedBase.isEmpty ? "_" : mappedBase, String(dCharacters(ext).prefix(3)))
    }

    private static func dCharacters(_ text: Substring) -> String {
        String(text.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }

    /// ECMA-119 9.3 order: by name part, then extension, each padded with spaces; `.` and `..`
    /// (identifiers 0x00 and 0x01) come first because they sort below every d-character.
    static func level1Precedes(_ lhs: String, _ rhs: String) -> Bool {
        func parts(_ identifier: String) -> ([UInt8], [UInt8]) {
            let plain = identifier.split(separator: ";").first.map(String.init) ?? identifier
            let pieces = plain.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            return (Array(pieces[0].utf8), pieces.count > 1 ? Array(pieces[1].utf8) : [])
        }
        let (lhsBase, lhsExt) = parts(lhs)
        let (rhsBase, rhsExt) = parts(rhs)
        if lhsBase != rhsBase { return padded(lhsBase, rhsBase) }
        return padded(lhsExt, rhsExt)
    }

    /// Joliet order: by UCS-2 code units, padded with spaces.
    static func jolietPrecedes(_ lhs: String, _ rhs: String) -> Bool {
        padded(ByteFields.ucs2(lhs), ByteFields.ucs2(rhs), space: [0x00, 0x20])
    }

    /// Compares byte strings after padding the shorter one with spaces (one byte, or a UCS-2 pair).
    private static func padded(_ lhs: [UInt8], _ rhs: [UInt8], space: [UInt8] = [0x20]) -> Bool {
        func pad(_ bytes: [UInt8], to length: Int) -> [UInt8] {
            var result = bytes
            while result.count < length { result += space }
            return result
        }
        let length = max(lhs.count, rhs.count)
        return pad(lhs, to: length).lexicographicallyPrecedes(pad(rhs, to: length))
    }
}
