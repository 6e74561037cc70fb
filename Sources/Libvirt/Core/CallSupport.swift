import CLibvirt
#if canImport(Glibc)
import Glibc
#endif

// Helpers that turn libvirt's C return conventions into `Result`s. Each one runs right after the C
// call, on the same thread, so `LibvirtError.capture` reads that call's own error.

/// Checks a status returned by a libvirt function that returns -1 on failure.
@inline(__always)
func checkStatus(_ status: Int32, _ operation: String, _ object: @autoclosure () -> String? = nil)
    -> Result<Int32, LibvirtError>
{
    status < 0 ? .failure(.capture(operation: operation, object: object())) : .success(status)
}

/// Checks a pointer returned by a libvirt function that returns NULL on failure.
@inline(__always)
func checkPointer<P>(_ pointer: P?, _ operation: String, _ object: @autoclosure () -> String? = nil)
    -> Result<P, LibvirtError>
{
    guard let pointer else { return .failure(.capture(operation: operation, object: object())) }
    return .success(pointer)
}

/// Takes ownership of a heap string returned by libvirt (NULL on failure), copies it and frees it.
@inline(__always)
func takeString(
    _ pointer: UnsafeMutablePointer<CChar>?, _ operation: String, _ object: @autoclosure () -> String? = nil
) -> Result<String, LibvirtError> {
    guard let pointer else { return .failure(.capture(operation: operation, object: object())) }
    defer { free(pointer) }
    return .success(String(cString: pointer))
}

/// Converts an array of libvirt object pointers returned by a `virConnectListAll*` call into Swift
/// objects, and frees the array. Every element is handed to `wrap`, which takes ownership of it.
func takeArray<Handle, Object>(
    _ array: UnsafeMutablePointer<Handle?>?, count: Int32, _ wrap: (Handle) -> Object
) -> [Object] {
    guard let array else { return [] }
    defer { free(array) }
    var objects: [Object] = []
    objects.reserveCapacity(Int(max(count, 0)))
    for index in 0..<Int(max(count, 0)) {
        if let handle = array[index] { objects.append(wrap(handle)) }
    }
    return objects
}

/// Converts a libvirt boolean query (1 true, 0 false, -1 error).
@inline(__always)
func checkBool(_ value: Int32, _ operation: String, _ object: @autoclosure () -> String? = nil)
    -> Result<Bool, LibvirtError>
{
    checkStatus(value, operation, object()).map { $0 == 1 }
}

/// A libvirt UUID (`VIR_UUID_BUFLEN` bytes) read through a C function that fills a buffer.
@inline(__always)
func readUUIDString(_ operation: String, _ fill: (UnsafeMutablePointer<CChar>) -> Int32)
    -> Result<String, LibvirtError>
{
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(VIR_UUID_STRING_BUFLEN)) { buffer in
        let base = buffer.baseAddress!
        return checkStatus(fill(base), operation).map { _ in String(cString: base) }
    }
}

/// Frees memory that libvirt allocated and handed over (arrays, strings).
@inline(__always)
func cFree(_ pointer: UnsafeMutableRawPointer?) {
    free(pointer)
}
