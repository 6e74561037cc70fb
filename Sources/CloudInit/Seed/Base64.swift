import Foundation

/// Base64 for `write_files` (`encoding: b64`), as cloud-init decodes it (RFC 4648, with padding).
enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// `nil` unless `text` is valid base64 (line breaks and spaces are ignored, as cloud-init does).
    static func decode(_ text: String) -> [UInt8]? {
        Data(base64Encoded: text, options: .ignoreUnknownCharacters).map { [UInt8]($0) }
    }
}
