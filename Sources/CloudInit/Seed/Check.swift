/// Field checks shared by the seed's parts. Each throws a ``CloudInitError`` naming the field.
enum Check {
    /// Not empty, at most 4096 bytes, and no control characters (so no line breaks).
    static func singleLine(_ value: String, field: String) throws(CloudInitError) {
        guard !value.isEmpty, value.utf8.count <= 4096 else {
            throw CloudInitError(field: field, value: value, reason: "must be 1-4096 bytes long")
        }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw CloudInitError(field: field, value: value, reason: "must not contain control characters or line breaks")
        }
    }

    /// A host name or FQDN: dot-separated labels of 1-63 ASCII letters, digits and '-', not starting
    /// or ending with '-', 253 bytes at most.
    static func hostname(_ value: String, field: String) throws(CloudInitError) {
        let labels = value.split(separator: ".", omittingEmptySubsequences: false)
        let valid = (1...253).contains(value.utf8.count) && labels.allSatisfy { label in
            (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                && label.utf8.allSatisfy { isASCIIAlphanumeric($0) || $0 == UInt8(ascii: "-") }
        }
        guard valid else {
            throw CloudInitError(
                field: field, value: value,
                reason: "not a host name: use dot-separated labels of 1-63 letters, digits and '-', like worker-1.lab")
        }
    }

    /// An absolute path without NUL, line breaks, or `..` components.
    static func absolutePath(_ value: String, field: String) throws(CloudInitError) {
        try singleLine(value, field: field)
        guard value.hasPrefix("/"), !value.split(separator: "/").contains("..") else {
            throw CloudInitError(field: field, value: value, reason: "must be an absolute path without '..'")
        }
    }

    /// A POSIX-style user or group name: 1-32 of a-z, 0-9, '_', '-' (and '.'), not starting with '-'.
    static func accountName(_ value: String, field: String) throws(CloudInitError) {
        let allowed = value.utf8.allSatisfy {
            isASCIIAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
        }
        guard (1...32).contains(value.utf8.count), allowed, value.first != "-" else {
            throw CloudInitError(
                field: field, value: value, reason: "not a user or group name: use 1-32 letters, digits, '_', '-' or '.'")
        }
    }

    static func isASCIIAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }
}
