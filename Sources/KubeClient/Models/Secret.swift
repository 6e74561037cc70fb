import Foundation

/// A Secret (core/v1). `data` values are base64 on the wire; ``init(metadata:type:strings:)`` encodes them.
public struct Secret: Codable, Sendable, Hashable {
    public var apiVersion: String? = "v1"
    public var kind: String? = "Secret"
    public var metadata: ObjectMeta
    public var type: String?
    /// Base64-encoded values, as the API holds them.
    public var data: [String: String]?
    /// Plain values the server merges into `data` on write (never returned).
    public var stringData: [String: String]?

    public init(metadata: ObjectMeta, type: String? = nil, data: [String: String]? = nil, stringData: [String: String]? = nil) {
        self.metadata = metadata
        self.type = type
        self.data = data
        self.stringData = stringData
    }

    /// A secret whose `data` holds `strings`, base64-encoded.
    public init(metadata: ObjectMeta, type: String? = nil, strings: [String: String]) {
        self.init(metadata: metadata, type: type, data: strings.mapValues { Data($0.utf8).base64EncodedString() })
    }

    /// The value of `key` in `data`, decoded from base64 as UTF-8.
    public func string(_ key: String) -> String? {
        guard let encoded = data?[key], let bytes = Data(base64Encoded: encoded) else { return nil }
        return String(data: bytes, encoding: .utf8)
    }
}

/// A ConfigMap (core/v1).
public struct ConfigMap: Codable, Sendable, Hashable {
    public var apiVersion: String? = "v1"
    public var kind: String? = "ConfigMap"
    public var metadata: ObjectMeta
    public var data: [String: String]?

    public init(metadata: ObjectMeta, data: [String: String]? = nil) {
        self.metadata = metadata
        self.data = data
    }
}

/// `GET /version`.
public struct VersionInfo: Codable, Sendable, Hashable {
    public var major: String?
    public var minor: String?
    /// e.g. "v1.32.0".
    public var gitVersion: String
    public var gitCommit: String?
    public var platform: String?
    public var goVersion: String?
    public var buildDate: String?
}
