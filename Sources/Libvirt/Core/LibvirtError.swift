import CLibvirt

/// An error reported by libvirt, or by this binding on libvirt's behalf.
///
/// libvirt keeps its last error per thread (`virGetLastError`). The binding copies it inside the
/// same blocking call that failed, on the same thread, before anything else can run there; a
/// Swift task may change threads at every `await`, so reading it later would be wrong.
public struct LibvirtError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong (`virErrorNumber`).
    public var code: Code
    /// Which part of libvirt raised it (`virErrorDomain`).
    public var domain: ErrorDomain
    /// libvirt's message, e.g. "Domain not found: no domain with matching name 'web'".
    public var message: String
    /// `VIR_ERR_WARNING` or `VIR_ERR_ERROR`.
    public var level: Level
    /// The libvirt C function that failed, e.g. `virDomainLookupByName`.
    public var operation: String
    /// The object the call was about, e.g. `domain 'web'`, when known.
    public var object: String?

    public init(
        code: Code, domain: ErrorDomain = .binding, message: String, level: Level = .error,
        operation: String, object: String? = nil
    ) {
        self.code = code
        self.domain = domain
        self.message = message
        self.level = level
        self.operation = operation
        self.object = object
    }

    public var description: String {
        var text = operation
        if let object { text += " (\(object))" }
        return "\(text): \(message) [code \(code), from \(domain)]"
    }

    /// Returns the same error with the object the failed call was about.
    func about(_ object: String?) -> LibvirtError {
        var copy = self
        if copy.object == nil { copy.object = object }
        return copy
    }

    /// Copies and clears the calling thread's libvirt error. Must run on the thread of the failed call,
    /// right after it.
    static func capture(operation: String, object: String? = nil) -> LibvirtError {
        defer { virResetLastError() }
        guard let raw = virGetLastError() else {
            return LibvirtError(
                code: .internalError, message: "failed without a libvirt error", operation: operation,
                object: object)
        }
        let error = raw.pointee
        return LibvirtError(
            code: Code(rawValue: error.code),
            domain: ErrorDomain(rawValue: error.domain),
            message: error.message.map { String(cString: $0) } ?? "unknown libvirt error",
            level: error.level == VIR_ERR_WARNING ? .warning : .error,
            operation: operation,
            object: object)
    }

    /// The severity of an error (`virErrorLevel`).
    public enum Level: Sendable, Hashable {
        case warning
        case error
    }
}

extension LibvirtError {
    /// The binding's own error for a call made on a connection that was closed.
    static func closed(uri: String, operation: String) -> LibvirtError {
        LibvirtError(
            code: .invalidConnection, message: "the connection to '\(uri)' is closed", operation: operation)
    }
}
