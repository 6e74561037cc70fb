#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Reading files for the parser. The binding reads them itself (rather than `xmlReadFile`) so an
// unreadable file is an `.io` error naming the path and the system's reason.

/// The most bytes an XML file may have: far above any domain template or libvirt schema, and
/// what keeps `/dev/zero` or a runaway file from being read into memory whole.
let maxXMLFileBytes = 32 << 20

/// The bytes of a file, at most ``maxXMLFileBytes``.
/// - Throws: `.io` with the path as source and `strerror`'s reason, or saying it is too large.
func readFile(_ path: String) throws(XMLError) -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw ioError(path, "cannot open") }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw ioError(path, "cannot read")
        }
        if count == 0 { return bytes }
        bytes.append(contentsOf: chunk[0..<count])
        if bytes.count > maxXMLFileBytes {
            throw XMLError(kind: .io, message: "\(path) is larger than \(maxXMLFileBytes >> 20) MiB, the most kinvm reads as XML", source: path)
        }
    }
}

/// Whether a file exists and is readable (`access`); `.io` naming the path and reason if not.
func checkReadable(_ path: String) throws(XMLError) {
    guard access(path, R_OK) == 0 else { throw ioError(path, "cannot read") }
}

/// An `.io` error for `path` with the reason `errno` gives.
func ioError(_ path: String, _ what: String) -> XMLError {
    XMLError(kind: .io, message: "\(what) \(path): \(String(cString: strerror(errno)))", source: path)
}
