import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads the files kinvm is given (specs, hosts files, user-data, keys, manifests) with a size
/// limit, so that a huge or endless file (`/dev/zero`, a 50 MB spec) is refused after reading at
/// most the limit, never taken whole into memory.
public enum BoundedFile {
    /// The documented limits (README "Limits").
    public enum Limit: Int, Sendable {
        /// A cluster spec or a hosts file.
        case spec = 1_048_576
        /// cloud-init user-data, network-config or meta-data.
        case cloudInit = 4_194_304
        /// An SSH public key file.
        case sshKey = 65_536
        /// A Kubernetes manifest (spec.kubernetes.cni), a join template.
        case manifest = 16_777_216

        public var description: String { ByteFormat.binary(UInt64(rawValue)) }
    }

    /// The bytes of `path` (`-`: standard input), at most `limit`.
    /// - Throws: `.fileUnreadable` naming `what` and the path: unreadable, or larger than the limit.
    public static func read(_ path: String, limit: Limit, what: String) throws(ProvisionerError) -> Data {
        let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ProvisionerError(.fileUnreadable, "cannot read \(what) \(path): \(String(cString: strerror(errno)))")
        }
        defer { if descriptor != STDIN_FILENO { close(descriptor) } }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ProvisionerError(.fileUnreadable, "cannot read \(what) \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { return data }
            data.append(contentsOf: chunk[0..<count])
            if data.count > limit.rawValue {
                throw ProvisionerError(
                    .fileUnreadable, "\(what) \(path) is larger than \(limit.description), the most kinvm reads for it")
            }
        }
    }

    /// ``read(_:limit:what:)`` as UTF-8 text (invalid sequences replaced).
    public static func text(_ path: String, limit: Limit, what: String) throws(ProvisionerError) -> String {
        String(decoding: try read(path, limit: limit, what: what), as: UTF8.self)
    }
}
