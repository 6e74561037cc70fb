import Foundation
import Libvirt
import Logging
import Synchronization

/// The libvirt hosts a command works on, connected in parallel, each once.
///
/// Every host gets its own ``LibvirtExecutor``, so a host whose calls hang (a stalled SSH link, a
/// frozen daemon) ties up only its own threads. Opening is bounded by ``OpenOptions/timeout``; a
/// host that does not answer in time, or refuses, is ``unreachable`` with the reason, and the
/// others are used. Remote connections get libvirt keepalives, so a host that dies later fails
/// its calls within seconds instead of hanging.
public final class HostFleet: Sendable {
    /// One reachable host.
    public struct Member: Sendable {
        public var host: ClusterHost
        public var guests: GuestManager
        public var connection: Connection { guests.connection }
    }

    public struct OpenOptions: Sendable {
        /// How long one host may take to connect.
        public var timeout: Duration
        /// Allow `+tcp` URIs (see ``HostURIPolicy``).
        public var allowInsecureTCP: Bool
        /// libvirt keepalive on remote connections: an interval in seconds and how many
        /// unanswered messages make the connection dead.
        public var keepAlive: (interval: Int32, count: UInt32)

        public init(timeout: Duration = .seconds(30), allowInsecureTCP: Bool = false, keepAlive: (interval: Int32, count: UInt32) = (5, 3)) {
            self.timeout = timeout
            self.allowInsecureTCP = allowInsecureTCP
            self.keepAlive = keepAlive
        }
    }

    /// Reachable hosts, in the order they were given.
    public let members: [Member]
    /// Hosts that could not be used, in the order given, with why.
    public let unreachable: [(host: ClusterHost, reason: String)]
    /// Warnings for the user (insecure transports allowed).
    public let warnings: [String]

    /// Every host given, reachable or not, in the order given.
    public let hosts: [ClusterHost]

    init(members: [Member], unreachable: [(host: ClusterHost, reason: String)], warnings: [String], order: [ClusterHost]? = nil) {
        self.members = members
        self.unreachable = unreachable
        self.warnings = warnings
        self.hosts = order ?? (members.map(\.host) + unreachable.map(\.host))
    }

    /// The fleet of one open connection (a command on one host).
    public convenience init(single guests: GuestManager, name: String) {
        self.init(members: [Member(host: ClusterHost(name: name, uri: guests.connection.uri), guests: guests)], unreachable: [], warnings: [])
    }

    /// Connects to every host at once. URIs the policy refuses fail the whole call (a spec error,
    /// not an outage); connection failures make hosts ``unreachable``.
    public static func open(
        _ hosts: [ClusterHost], options: OpenOptions = .init(), logger: Logger = Logger(label: "kinvm.provisioner.hosts")
    ) async throws(ProvisionerError) -> HostFleet {
        var warnings: [String] = []
        for host in hosts {
            if let warning = try HostURIPolicy.check(host.uri, host: host.name, allowInsecureTCP: options.allowInsecureTCP) {
                warnings.append(warning)
            }
        }
        let outcomes = await FanOut.map(hosts) { host in await connect(host, options: options) }
        var members: [Member] = []
        var unreachable: [(host: ClusterHost, reason: String)] = []
        for (index, host) in hosts.enumerated() {
            switch outcomes[index] {
            case .success(let connection):
                members.append(Member(host: host, guests: GuestManager(connection: connection, logger: logger)))
            case .failure(let error):
                logger.info("host unreachable", metadata: ["host": "\(host.name)", "uri": "\(host.uri)", "reason": "\(error)"])
                unreachable.append((host, error.description))
            }
        }
        return HostFleet(members: members, unreachable: unreachable, warnings: warnings, order: hosts)
    }

    /// Opens one host within the timeout, on an executor of its own. A blocking open that outlives
    /// the timeout is left to finish on its thread and its connection closed then.
    static func connect(_ host: ClusterHost, options: OpenOptions) async -> Result<Connection, ProvisionerError> {
        let executor = LibvirtExecutor(maxThreads: 8)
        let race = OpenRace()
        let uri = host.uri
        return await withCheckedContinuation { (continuation: CheckedContinuation<Result<Connection, ProvisionerError>, Never>) in
            race.set(continuation)
            Task {
                do throws(LibvirtError) {
                    let connection = try await Connection.open(uri, executor: executor)
                    if let transport = HostURIPolicy.transport(of: uri), transport != "unix" {
                        _ = try? await connection.setKeepAlive(interval: options.keepAlive.interval, count: options.keepAlive.count)
                    }
                    if !race.finish(.success(connection)) { await connection.close() }
                } catch {
                    _ = race.finish(.failure(.libvirt("cannot connect to \(uri)", error)))
                }
            }
            Task {
                try? await Task.sleep(for: options.timeout)
                _ = race.finish(.failure(ProvisionerError(.timeout, "no answer from \(uri) within \(options.timeout)")))
            }
        }
    }

    /// The member named `name`.
    public func member(named name: String) -> Member? { members.first { $0.host.name == name } }

    /// Runs `body` on every reachable host at once; each host's outcome, in member order.
    public func forEach<T: Sendable>(
        _ body: @escaping @Sendable (Member) async throws(ProvisionerError) -> T
    ) async -> [(host: String, result: Result<T, ProvisionerError>)] {
        let results = await FanOut.map(members, body)
        return zip(members, results).map { ($0.host.name, $1) }
    }

    /// ``forEach(_:)`` for lists: the items of every host that answered, in member order, and the
    /// hosts whose `body` failed, with the error.
    public func collect<T: Sendable>(
        _ body: @escaping @Sendable (Member) async throws(ProvisionerError) -> [T]
    ) async -> (items: [T], failures: [(host: String, error: ProvisionerError)]) {
        var items: [T] = []
        var failures: [(host: String, error: ProvisionerError)] = []
        for (host, outcome) in await forEach(body) {
            switch outcome {
            case .success(let found): items += found
            case .failure(let error): failures.append((host, error))
            }
        }
        return (items, failures)
    }

    /// Closes every connection.
    public func close() async {
        for member in members { await member.connection.close() }
    }
}

/// The first of an open and its timeout to finish resumes the continuation; the other learns it lost.
private final class OpenRace: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<Result<Connection, ProvisionerError>, Never>?, done: Bool)>((nil, false))

    func set(_ continuation: CheckedContinuation<Result<Connection, ProvisionerError>, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    /// True when this call resumed the continuation.
    func finish(_ result: sending Result<Connection, ProvisionerError>) -> Bool {
        let continuation: CheckedContinuation<Result<Connection, ProvisionerError>, Never>? = state.withLock { state in
            guard !state.done else { return nil }
            state.done = true
            return state.continuation
        }
        guard let continuation else { return false }
        continuation.resume(returning: result)
        return true
    }
}
