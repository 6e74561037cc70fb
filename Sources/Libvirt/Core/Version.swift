/// A libvirt or hypervisor version, decoded from libvirt's `major * 1,000,000 + minor * 1,000 + release`.
public struct Version: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var release: Int

    public init(major: Int, minor: Int, release: Int) {
        self.major = major
        self.minor = minor
        self.release = release
    }

    /// Decodes libvirt's packed form.
    public init(packed: UInt) {
        major = Int(packed / 1_000_000)
        minor = Int(packed / 1_000 % 1_000)
        release = Int(packed % 1_000)
    }

    public var description: String { "\(major).\(minor).\(release)" }

    public static func < (lhs: Version, rhs: Version) -> Bool {
        (lhs.major, lhs.minor, lhs.release) < (rhs.major, rhs.minor, rhs.release)
    }
}
