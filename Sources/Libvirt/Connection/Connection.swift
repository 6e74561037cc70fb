import CLibvirt
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A connection to a libvirt hypervisor driver (`virConnectPtr`).
///
/// Open one with ``open(_:flags:executor:)`` for any libvirt URI: `qemu:///system`,
/// `qemu:///session`, `qemu+ssh://user@host/system`, `qemu+unix:///system?socket=PATH`,
/// `test:///default` or `test:///ABSOLUTE/PATH/host.xml`. Every method that talks to libvirt is
/// `async` and runs its blocking C call on the connection's ``LibvirtExecutor``.
///
/// ``close()`` releases the connection; calls made after it fail with
/// ``LibvirtError/Code/invalidConnection``. Objects obtained from the connection (domains,
/// networks, pools, volumes) keep working until the connection is closed.
public final class Connection: @unchecked Sendable {
    // @unchecked Sendable: libvirt connections are thread-safe (libvirt serialises access to a
    // virConnectPtr internally); `lifetime` guarantees the handle is not freed while a call uses it.

    /// The URI this connection was opened with.
    public let uri: String
    /// Whether the connection was opened read-only.
    public let isReadOnly: Bool
    /// The threads on which this connection's blocking calls run.
    public let executor: LibvirtExecutor

    let handle: OpaquePointer
    private let lifetime = HandleLifetime()
    /// The lifecycle-event registrations, shared by ``domainEvents(for:bufferLimit:)`` streams.
    let eventHub = DomainEventHub()
    static let logger = Logger(label: "kinvm.libvirt")

    private init(uri: String, handle: OpaquePointer, readOnly: Bool, executor: LibvirtExecutor) {
        self.uri = uri
        self.handle = handle
        self.isReadOnly = readOnly
        self.executor = executor
    }

    deinit {
        if lifetime.markClosed() {
            virConnectClose(handle)
        }
    }

    /// Flags for opening a connection (`virConnectFlags`).
    public struct OpenFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_CONNECT_RO`: a read-only connection.
        public static let readOnly = OpenFlags(rawValue: VIR_CONNECT_RO.rawValue)
        /// `VIR_CONNECT_NO_ALIASES`: do not resolve URI aliases from the client configuration.
        public static let noAliases = OpenFlags(rawValue: VIR_CONNECT_NO_ALIASES.rawValue)
    }

    /// Opens a connection. Calls `virConnectOpenAuth` with libvirt's default authentication
    /// callback (`virConnectAuthPtrDefault`), which handles SSH agents, Kerberos and polkit.
    ///
    /// - Parameters:
    ///   - uri: a libvirt connection URI. An empty string lets libvirt choose its default.
    ///   - flags: e.g. `.readOnly`.
    ///   - executor: the threads that run this connection's blocking calls.
    public static func open(
        _ uri: String, flags: OpenFlags = [], executor: LibvirtExecutor = .shared
    ) async throws(LibvirtError) -> Connection {
        try LibvirtRuntime.ensureInitialized()
        try checkTestHostFile(uri)
        let connection = try await executor.run { () -> Result<Connection, LibvirtError> in
            let raw = virConnectOpenAuth(uri.isEmpty ? nil : uri, kinvm_virConnectAuthPtrDefault(), flags.rawValue)
            return checkPointer(raw, "virConnectOpenAuth", "uri '\(uri)'").map {
                Connection(uri: uri, handle: $0, readOnly: flags.contains(.readOnly), executor: executor)
            }
        }
        logger.debug("opened libvirt connection", metadata: ["uri": "\(uri)"])
        return connection
    }

    /// libvirt's test driver reads `test:///PATH` through libxml2, which prints a warning to stderr
    /// when the file is missing; check it first so the caller gets a clean error and nothing printed.
    private static func checkTestHostFile(_ uri: String) throws(LibvirtError) {
        guard uri.hasPrefix("test:///"), uri != "test:///default" else { return }
        let path = String(uri.dropFirst("test://".count).prefix { $0 != "?" })
        guard access(path, R_OK) != 0 else { return }
        throw LibvirtError(
            code: .openFailed, domain: .test, message: "cannot read test driver host file '\(path)'",
            operation: "virConnectOpenAuth", object: "uri '\(uri)'")
    }

    /// Closes the connection (`virConnectClose`). Waits for calls in flight on this connection to
    /// finish; later calls fail. Closing twice is harmless.
    public func close() async {
        _ = try? await executor.run { () -> Result<Void, LibvirtError> in
            if self.lifetime.markClosed() {
                virConnectClose(self.handle)
                Self.logger.debug("closed libvirt connection", metadata: ["uri": "\(self.uri)"])
            }
            return .success(())
        }
    }

    /// Whether ``close()`` has not been called yet.
    public var isOpen: Bool { !lifetime.isClosed }

    /// Runs a blocking libvirt call on the executor while holding the connection open.
    ///
    /// Every wrapper in this module goes through here (or ``LibvirtObject``'s equivalent): the
    /// body runs on a libvirt thread, with the guarantee that `close()` waits for it.
    func call<T>(
        _ operation: String,
        _ body: @escaping @Sendable (OpaquePointer) -> Result<T, LibvirtError>
    ) async throws(LibvirtError) -> T {
        try await executor.run { () -> Result<T, LibvirtError> in
            self.withOpenHandle(operation) { body(self.handle) }
        }
    }

    /// Runs `body` (already on a libvirt thread) while the connection is guaranteed to stay open.
    func withOpenHandle<T>(_ operation: String, _ body: () -> Result<T, LibvirtError>) -> Result<T, LibvirtError> {
        guard lifetime.enter() else { return .failure(.closed(uri: uri, operation: operation)) }
        defer { lifetime.leave() }
        return body()
    }
}

/// Tracks whether a connection is open and how many calls are using its handle, so that closing
/// waits for them (a pthread read-write lock: calls hold it shared, close takes it exclusively).
final class HandleLifetime: @unchecked Sendable {
    // @unchecked Sendable: `closed` is only read or written under `lock`.
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>
    private var closed = false

    init() {
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        pthread_rwlock_init(lock, nil)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    /// Takes a shared hold; returns false (holding nothing) when already closed.
    func enter() -> Bool {
        pthread_rwlock_rdlock(lock)
        if closed {
            pthread_rwlock_unlock(lock)
            return false
        }
        return true
    }

    func leave() {
        pthread_rwlock_unlock(lock)
    }

    /// Marks the handle closed once no call holds it; returns true for the first caller only.
    func markClosed() -> Bool {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        if closed { return false }
        closed = true
        return true
    }

    var isClosed: Bool {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return closed
    }
}
