/// The NoCloud `user-data` (or `vendor-data`) file.
///
/// Its description and mirror never show the content, which often holds secrets.
public enum UserData: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// A typed cloud-config, rendered with its `#cloud-config` header.
    case cloudConfig(CloudConfig)
    /// Used exactly as given: anything cloud-init accepts (`#!/bin/sh` scripts, `#cloud-config`,
    /// `#include`, MIME multipart, or nothing at all).
    case raw(String)

    /// The file's text.
    public func rendered() throws(CloudInitError) -> String {
        switch self {
        case .cloudConfig(let config): try config.yaml()
        case .raw(let text): text
        }
    }

    /// What kind of user-data, without its content: `cloud-config, 2 secrets` or `raw, #!/bin/sh`.
    public var kind: String {
        switch self {
        case .cloudConfig(let config):
            let secrets = config.secretCount
            return "cloud-config, \(secrets) secret\(secrets == 1 ? "" : "s")"
        case .raw(let text):
            let first = text.prefix { $0 != "\n" && $0 != "\r" }
            // Only the well-known format markers are shown, never the text itself.
            let markers = ["#cloud-config", "#!", "#include", "#cloud-boothook", "Content-Type: multipart", "## template"]
            let marker = markers.first { first.hasPrefix($0) }
            return "raw, " + (marker.map { $0 == "#!" ? "script" : $0 } ?? (text.isEmpty ? "empty" : "other"))
        }
    }

    public var description: String { "user-data (\(kind))" }
    public var debugDescription: String { "UserData(\(kind))" }
    public var customMirror: Mirror { Mirror(self, children: ["kind": kind]) }
}

/// A rendered seed file: its name in the seed and its bytes. Descriptions show the size only.
public typealias SeedFile = ISO9660Image.File
