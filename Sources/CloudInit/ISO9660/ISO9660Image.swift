import Foundation

/// A read-only ISO 9660 image with files in its root directory, written in memory: the filesystem
/// of a NoCloud seed.
///
/// The image has three views of the same files, so every reader finds the exact names:
/// - the primary (level 1) hierarchy with 8.3 fallback names such as `USER_DAT.;1`,
/// - Rock Ridge entries on it (`NM` with the real name, `PX`, `TF`), which Linux prefers,
/// - a Joliet hierarchy with UCS-2 names, which Windows and libblkid read.
///
/// cloud-init finds the seed by filesystem type `iso9660` and label `CIDATA` or `cidata` (it asks
/// libblkid, which reports the Joliet volume identifier when there is one; both descriptors carry
/// the label).
public struct ISO9660Image: Sendable {
    /// A file in the root directory.
    public struct File: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        /// 1-64 ASCII letters, digits, '.', '-' or '_'.
        public var name: String
        public var contents: [UInt8]

        public init(name: String, contents: [UInt8]) {
            self.name = name
            self.contents = contents
        }

        /// The name and size only: seed files may hold secrets.
        public var description: String { "\(name) (\(contents.count) bytes)" }
        public var debugDescription: String { "ISO9660Image.File(\(description))" }
        public var customMirror: Mirror { Mirror(self, children: ["name": name, "size": contents.count]) }
    }

    public static let sectorSize = 2048
    /// The label cloud-init's NoCloud datasource looks for.
    public static let cidataLabel = "CIDATA"

    public let volumeLabel: String
    public let files: [File]
    public let recordedAt: Date

    /// Checks the label and the files; `recordedAt` becomes every timestamp in the image (UTC),
    /// so the same inputs give the same bytes.
    public init(volumeLabel: String = cidataLabel, files: [File], recordedAt: Date = Date()) throws(CloudInitError) {
        try Self.checkLabel(volumeLabel)
        var seen: Set<String> = []
        for (index, file) in files.enumerated() {
            try Self.checkName(file.name, field: "files[\(index)].name")
            guard seen.insert(file.name).inserted else {
                throw CloudInitError(field: "files[\(index)].name", value: file.name, reason: "two files have this name")
            }
            guard file.contents.count <= Self.maximumFileSize else {
                throw CloudInitError(
                    field: "files[\(index)].contents", value: "\(file.contents.count) bytes",
                    reason: "a file can be at most \(Self.maximumFileSize) bytes")
            }
        }
        self.volumeLabel = volumeLabel
        self.files = files
        self.recordedAt = recordedAt
    }

    /// One extent per file; its length field is 32 bits.
    public static let maximumFileSize = Int(UInt32.max) - sectorSize + 1

    /// The image: a whole number of 2048-byte sectors.
    public func bytes() -> [UInt8] {
        ISOLayout(files: files, volumeLabel: volumeLabel, time: ISOTimestamp(recordedAt)).image()
    }

    /// The primary volume descriptor's identifier is upper case (d-characters); Joliet's keeps the
    /// label as given. Joliet holds 16 characters, so that is the limit.
    static func checkLabel(_ label: String) throws(CloudInitError) {
        let allowed = label.utf8.allSatisfy { Check.isASCIIAlphanumeric($0) || $0 == UInt8(ascii: "_") }
        guard (1...16).contains(label.utf8.count), allowed else {
            throw CloudInitError(
                field: "volumeLabel", value: label, reason: "use 1-16 ASCII letters, digits or '_' (cloud-init looks for CIDATA)")
        }
    }

    static func checkName(_ name: String, field: String) throws(CloudInitError) {
        let allowed = name.utf8.allSatisfy {
            Check.isASCIIAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
        }
        guard (1...64).contains(name.utf8.count), allowed, name != ".", name != ".." else {
            throw CloudInitError(field: field, value: name, reason: "use 1-64 ASCII letters, digits, '.', '-' or '_'")
        }
    }
}
