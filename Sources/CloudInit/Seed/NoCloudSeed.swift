import Foundation

/// A complete NoCloud seed: `meta-data`, `user-data`, and optionally `network-config` and
/// `vendor-data`, rendered to files or to a `CIDATA` ISO 9660 image.
///
/// cloud-init requires `meta-data` and `user-data` (either may be empty) in the root of a
/// filesystem labelled `cidata`/`CIDATA`; `network-config` and `vendor-data` are optional.
///
/// The seed's description, debug description and mirror show ``redactedSummary`` only, so logging
/// or dumping a seed never shows its content.
public struct NoCloudSeed: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var metaData: MetaData
    public var userData: UserData
    public var networkConfig: NetworkConfig?
    public var vendorData: UserData?

    public init(
        metaData: MetaData, userData: UserData, networkConfig: NetworkConfig? = nil, vendorData: UserData? = nil
    ) {
        self.metaData = metaData
        self.userData = userData
        self.networkConfig = networkConfig
        self.vendorData = vendorData
    }

    /// The file names NoCloud reads.
    public enum FileName {
        public static let metaData = "meta-data"
        public static let userData = "user-data"
        public static let networkConfig = "network-config"
        public static let vendorData = "vendor-data"
    }

    /// The rendered files, in this order: meta-data, user-data, network-config, vendor-data
    /// (the last two only when set). Validates every part first.
    public func files() throws(CloudInitError) -> [SeedFile] {
        var files = [
            SeedFile(name: FileName.metaData, contents: Array(try metaData.yaml().utf8)),
            SeedFile(name: FileName.userData, contents: Array(try userData.rendered().utf8)),
        ]
        if let networkConfig {
            files.append(SeedFile(name: FileName.networkConfig, contents: Array(try networkConfig.yaml().utf8)))
        }
        if let vendorData {
            files.append(SeedFile(name: FileName.vendorData, contents: Array(try vendorData.rendered().utf8)))
        }
        return files
    }

    /// The seed as an ISO 9660 image labelled `volumeLabel` (Joliet and Rock Ridge included).
    public func isoImage(volumeLabel: String = ISO9660Image.cidataLabel, recordedAt: Date = Date()) throws(CloudInitError)
        -> [UInt8]
    {
        try ISO9660Image(volumeLabel: volumeLabel, files: files(), recordedAt: recordedAt).bytes()
    }

    /// For logs: each file's name, size and kind, never its content or a hash of it, e.g.
    /// `meta-data 52 B; user-data 1204 B (cloud-config, 2 secrets); network-config 180 B`.
    public var redactedSummary: String {
        var parts = [summarize(FileName.metaData, { () throws(CloudInitError) in try metaData.yaml() }, kind: nil)]
        parts.append(summarize(FileName.userData, { () throws(CloudInitError) in try userData.rendered() }, kind: userData.kind))
        if let networkConfig {
            parts.append(summarize(FileName.networkConfig, { () throws(CloudInitError) in try networkConfig.yaml() }, kind: nil))
        }
        if let vendorData {
            parts.append(
                summarize(FileName.vendorData, { () throws(CloudInitError) in try vendorData.rendered() }, kind: vendorData.kind))
        }
        return parts.joined(separator: "; ")
    }

    private func summarize(_ name: String, _ render: () throws(CloudInitError) -> String, kind: String?) -> String {
        let suffix = kind.map { " (\($0))" } ?? ""
        do {
            return "\(name) \(try render().utf8.count) B\(suffix)"
        } catch {
            // The field names what is wrong; its value is left out, as it could be sensitive.
            return "\(name) invalid at \(error.field)\(suffix)"
        }
    }

    public var description: String { "NoCloudSeed(\(redactedSummary))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["summary": redactedSummary]) }
}
