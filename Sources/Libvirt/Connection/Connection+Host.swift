import CLibvirt

extension Connection {
    /// The version of the libvirt library in this process (`virGetVersion`).
    public static func libraryVersion() throws(LibvirtError) -> Version {
        try LibvirtRuntime.ensureInitialized()
        var version: UInt = 0
        _ = try checkStatus(virGetVersion(&version, nil, nil), "virGetVersion").get()
        return Version(packed: version)
    }

    /// The version of libvirt on the other end of this connection (`virConnectGetLibVersion`).
    public func libraryVersion() async throws(LibvirtError) -> Version {
        try await call("virConnectGetLibVersion") { handle in
            var version: UInt = 0
            return checkStatus(virConnectGetLibVersion(handle, &version), "virConnectGetLibVersion")
                .map { _ in Version(packed: version) }
        }
    }

    /// The hypervisor's version, e.g. QEMU 7.2.0 (`virConnectGetVersion`).
    public func hypervisorVersion() async throws(LibvirtError) -> Version {
        try await call("virConnectGetVersion") { handle in
            var version: UInt = 0
            return checkStatus(virConnectGetVersion(handle, &version), "virConnectGetVersion")
                .map { _ in Version(packed: version) }
        }
    }

    /// The driver's name, e.g. `QEMU` or `TEST` (`virConnectGetType`).
    public func hypervisorType() async throws(LibvirtError) -> String {
        try await call("virConnectGetType") { handle in
            checkPointer(virConnectGetType(handle), "virConnectGetType").map { String(cString: $0) }
        }
    }

    /// The canonical URI libvirt resolved this connection to (`virConnectGetURI`).
    public func canonicalURI() async throws(LibvirtError) -> String {
        try await call("virConnectGetURI") { takeString(virConnectGetURI($0), "virConnectGetURI") }
    }

    /// The host's name (`virConnectGetHostname`).
    public func hostname() async throws(LibvirtError) -> String {
        try await call("virConnectGetHostname") { takeString(virConnectGetHostname($0), "virConnectGetHostname") }
    }

    /// CPU and memory figures of the host (`virNodeGetInfo`).
    public func nodeInfo() async throws(LibvirtError) -> NodeInfo {
        try await call("virNodeGetInfo") { handle in
            var info = virNodeInfo()
            return checkStatus(virNodeGetInfo(handle, &info), "virNodeGetInfo").map { _ in NodeInfo(info) }
        }
    }

    /// The host's free memory in bytes (`virNodeGetFreeMemory`).
    public func freeMemory() async throws(LibvirtError) -> UInt64 {
        try await call("virNodeGetFreeMemory") { handle in
            let bytes = virNodeGetFreeMemory(handle)
            return bytes == 0 ? .failure(.capture(operation: "virNodeGetFreeMemory")) : .success(UInt64(bytes))
        }
    }

    /// The host capabilities XML (`virConnectGetCapabilities`).
    public func capabilities() async throws(LibvirtError) -> String {
        try await call("virConnectGetCapabilities") {
            takeString(virConnectGetCapabilities($0), "virConnectGetCapabilities")
        }
    }

    /// What the hypervisor can offer a guest of the given kind, as XML (`virConnectGetDomainCapabilities`).
    /// Nil arguments let libvirt pick defaults; `virtType` is `kvm` or `qemu`.
    public func domainCapabilities(
        emulator: String? = nil, arch: String? = nil, machine: String? = nil, virtType: String? = nil
    ) async throws(LibvirtError) -> String {
        try await call("virConnectGetDomainCapabilities") { handle in
            takeString(
                virConnectGetDomainCapabilities(handle, emulator, arch, machine, virtType, 0),
                "virConnectGetDomainCapabilities")
        }
    }

    /// Whether the connection is still alive, as far as the keepalive protocol knows (`virConnectIsAlive`).
    public func isAlive() async throws(LibvirtError) -> Bool {
        try await call("virConnectIsAlive") { checkBool(virConnectIsAlive($0), "virConnectIsAlive") }
    }

    /// Whether the connection is encrypted (`virConnectIsEncrypted`).
    public func isEncrypted() async throws(LibvirtError) -> Bool {
        try await call("virConnectIsEncrypted") { checkBool(virConnectIsEncrypted($0), "virConnectIsEncrypted") }
    }

    /// Whether the connection is safe from eavesdropping, e.g. local or encrypted (`virConnectIsSecure`).
    public func isSecure() async throws(LibvirtError) -> Bool {
        try await call("virConnectIsSecure") { checkBool(virConnectIsSecure($0), "virConnectIsSecure") }
    }

    /// Enables keepalive messages on a remote connection (`virConnectSetKeepAlive`): the connection
    /// is closed when `count` messages in a row, sent every `interval` seconds, go unanswered.
    /// Returns false when the driver does not support keepalive (local drivers).
    @discardableResult
    public func setKeepAlive(interval: Int32, count: UInt32) async throws(LibvirtError) -> Bool {
        try await call("virConnectSetKeepAlive") { handle in
            checkStatus(virConnectSetKeepAlive(handle, interval, count), "virConnectSetKeepAlive").map { $0 == 0 }
        }
    }
}

/// The host's CPU and memory figures (`virNodeInfo`).
public struct NodeInfo: Sendable, Hashable {
    /// CPU model, e.g. `x86_64`.
    public var model: String
    /// Memory size in KiB.
    public var memoryKiB: UInt64
    /// Number of active CPUs.
    public var cpus: Int
    /// Expected CPU frequency in MHz.
    public var mhz: Int
    public var numaNodes: Int
    public var sockets: Int
    public var cores: Int
    public var threads: Int

    init(_ info: virNodeInfo) {
        var raw = info
        model = withUnsafeBytes(of: &raw.model) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        memoryKiB = UInt64(info.memory)
        cpus = Int(info.cpus)
        mhz = Int(info.mhz)
        numaNodes = Int(info.nodes)
        sockets = Int(info.sockets)
        cores = Int(info.cores)
        threads = Int(info.threads)
    }
}

extension Connection {
    /// Whether `uri` names a libvirt on this machine: no host part (`qemu:///system`,
    /// `qemu+unix:///system?socket=…`, `test:///default`), so files it names (console logs,
    /// kernels, the emulator) are files of this machine.
    public static func isLocal(uri: String) -> Bool {
        // Without Foundation: the part between "://" and the first "/" or "?" must be empty.
        let characters = Array(uri)
        guard let start = (0..<max(characters.count - 2, 0)).first(where: {
            characters[$0] == ":" && characters[$0 + 1] == "/" && characters[$0 + 2] == "/"
        }) else { return false }
        let authority = characters[(start + 3)...].prefix { $0 != "/" && $0 != "?" }
        return authority.isEmpty
    }

    /// Whether this connection's URI names a libvirt on this machine (see ``isLocal(uri:)``).
    public var isLocal: Bool { Self.isLocal(uri: uri) }
}
