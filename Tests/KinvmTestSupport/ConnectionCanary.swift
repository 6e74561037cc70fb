#if canImport(Glibc)
import Glibc
#endif

/// A listening unix socket nobody should ever connect to: put its path in a libvirt URI that
/// kinvm must not open (`qemu+unix:///system?socket=PATH`), run kinvm, then ask how many
/// connections arrived. The kernel queues a connection as soon as a client calls connect(2), so a
/// client that gave up at once is still counted.
public final class ConnectionCanary {
    public let path: String
    private let descriptor: Int32

    public init(path: String) throws {
        self.path = path
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw CanaryError(message: "socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw CanaryError(message: "socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw CanaryError(message: "bind/listen \(path): errno \(errno)")
        }
        descriptor = fd
    }

    /// Connections made so far (each accepted and closed at once).
    public func connections() -> Int {
        var count = 0
        while true {
            let client = accept(descriptor, nil, nil)
            guard client >= 0 else { return count }
            close(client)
            count += 1
        }
    }

    deinit {
        close(descriptor)
        unlink(path)
    }

    public struct CanaryError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
