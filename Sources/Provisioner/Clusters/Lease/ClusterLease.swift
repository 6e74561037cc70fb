import Foundation
import Libvirt
import Logging

/// A cluster's lease: one kinvm run at a time changes a cluster, on one host or across several,
/// with no lock file on the client (other machines reach the same libvirtd).
///
/// The lease is a libvirt network object, `kinvm-lease-CLUSTER`, defined (never started) on the
/// cluster's first host with the holder in its metadata (``LeaseRecord``). Defining is atomic:
/// libvirt refuses a second network of the same name with another UUID, so of two runs racing,
/// exactly one defines it. The holder renews the expiry while it works and undefines the object
/// when done. A run that finds the lease held waits (saying who holds it) until it is released,
/// expires, or its holder is seen dead on this machine (a `kill -9`); a stale lease is undefined
/// by its UUID, so a run never removes a lease another run has just taken.
public actor ClusterLease {
    /// How long a lease holds without renewal, and how often the holder renews it.
    public static let timeToLive: Duration = .seconds(60)
    static let renewEvery: Duration = .seconds(15)

    public let cluster: String
    let connection: Connection
    let logger: Logger
    private let record: LeaseRecord
    private let uuid = UUID().uuidString.lowercased()
    private var renewal: Task<Void, Never>?
    private var released = false

    private init(cluster: String, connection: Connection, record: LeaseRecord, logger: Logger) {
        self.cluster = cluster
        self.connection = connection
        self.record = record
        self.logger = logger
    }

    /// Takes the lease of `cluster` on `connection`, waiting at most `wait` for a holder to finish.
    /// - Parameter waiting: called once when the lease is held by another run, with who holds it.
    /// - Throws: `.inUse` when still held after `wait`; `.notOwned` when an object of the lease's
    ///   name exists that is not a kinvm lease (left alone).
    public static func acquire(
        _ cluster: String, on connection: Connection, command: String, wait: Duration, logger: Logger,
        waiting: @Sendable (String) -> Void = { _ in }
    ) async throws(ProvisionerError) -> ClusterLease {
        let deadline = ContinuousClock.now.advanced(by: wait)
        var announced = false
        while true {
            let now = Date()
            let record = LeaseRecord(
                cluster: cluster, holder: UUID().uuidString.lowercased(), process: .current, command: command, acquired: now,
                expires: now.addingTimeInterval(seconds(timeToLive)))
            let lease = ClusterLease(cluster: cluster, connection: connection, record: record, logger: logger)
            if try await lease.tryDefine() {
                await lease.startRenewing()
                return lease
            }
            // Held: read who holds it (it may have been released meanwhile: try again at once).
            guard let (holder, heldUUID) = try await current(cluster, on: connection) else { continue }
            if holder.isStale(at: Date(), local: .current, alive: LeaseProcess.isAlive) {
                logger.info(
                    "taking over a stale lease", metadata: ["cluster": "\(cluster)", "holder": "\(holder.holderDescription)"])
                try await removeStale(heldUUID, cluster: cluster, on: connection)
                continue
            }
            // Said once, as soon as a live holder is seen (whether or not there is time to wait).
            if !announced, wait > .zero {
                waiting("cluster '\(cluster)' is being changed by \(holder.holderDescription); waiting up to \(wait) for it to finish")
                announced = true
            }
            guard ContinuousClock.now < deadline else {
                throw ProvisionerError(
                    .inUse,
                    "cluster '\(cluster)' is being changed by \(holder.holderDescription); try again once it is done "
                        + "(or wait longer with --lease-wait)")
            }
            try await WaitDeadline.sleep(.milliseconds(250))
        }
    }

    /// Gives the lease up (undefines the object if it is still this run's). Safe to call twice.
    public func release() async {
        guard !released else { return }
        released = true
        renewal?.cancel()
        renewal = nil
        do {
            let network = try await connection.network(uuid: uuid)
            guard LeaseRecord.read(try await network.xml())?.holder == record.holder else { return }
            try await network.undefine()
        } catch {
            logger.info("lease already gone", metadata: ["cluster": "\(cluster)", "error": "\(error)"])
        }
    }

    // MARK: Steps

    /// Defines the lease object; false when one of that name exists already.
    private func tryDefine() async throws(ProvisionerError) -> Bool {
        let xml = try record.networkXML(uuid: uuid)
        do throws(LibvirtError) {
            _ = try await connection.defineNetwork(xml: xml)
            return true
        } catch {
            // libvirt refuses a name that exists with another UUID ("already exists", or the holder
            // may have released it since: either way, look again); anything else is a real failure.
            if error.code == .operationFailed, error.message.contains("already") { return false }
            let existing = try? await connection.networkIfPresent(named: LeaseRecord.objectName(cluster: record.cluster))
            if let existing, existing.uuid.lowercased() != uuid { return false }
            throw .libvirt("cannot define the lease of cluster '\(record.cluster)'", error)
        }
    }

    /// Renews the expiry every ``renewEvery`` until released, by defining the object again with the
    /// same name and UUID (only while it is still this run's).
    private func startRenewing() {
        renewal = Task { [weak self] in
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: ClusterLease.renewEvery)
                } catch {
                    return
                }
                await self?.renew()
            }
        }
    }

    private func renew() async {
        guard !released else { return }
        var renewed = record
        renewed.expires = Date().addingTimeInterval(Self.seconds(Self.timeToLive))
        do {
            let network = try await connection.network(uuid: uuid)
            guard LeaseRecord.read(try await network.xml())?.holder == record.holder else {
                logger.warning("lost the lease: another run took it over", metadata: ["cluster": "\(cluster)"])
                return
            }
            _ = try await connection.defineNetwork(xml: try renewed.networkXML(uuid: uuid))
        } catch {
            logger.warning("cannot renew the lease", metadata: ["cluster": "\(cluster)", "error": "\(error)"])
        }
    }

    /// The lease object of `cluster` and its UUID; nil when there is none now.
    /// - Throws: `.notOwned` when the object is not a kinvm lease.
    private static func current(_ cluster: String, on connection: Connection) async throws(ProvisionerError) -> (LeaseRecord, String)? {
        let name = LeaseRecord.objectName(cluster: cluster)
        let xml: String
        let uuid: String
        do throws(LibvirtError) {
            guard let network = try await connection.networkIfPresent(named: name) else { return nil }
            xml = try await network.xml()
            uuid = network.uuid
        } catch where error.code == .noNetwork {
            return nil
        } catch {
            throw .libvirt("cannot read the lease of cluster '\(cluster)'", error)
        }
        guard let record = LeaseRecord.read(xml), record.cluster == cluster else {
            throw ProvisionerError(
                .notOwned, "a libvirt network named '\(name)' exists that is not a kinvm lease; kinvm will not touch it "
                    + "(rename or remove it to work on cluster '\(cluster)')")
        }
        return (record, uuid)
    }

    /// Undefines the stale lease with `uuid` (by UUID: if another run replaced it meanwhile, the
    /// lookup fails and nothing is removed).
    private static func removeStale(_ uuid: String, cluster: String, on connection: Connection) async throws(ProvisionerError) {
        do throws(LibvirtError) {
            let network = try await connection.network(uuid: uuid)
            try await network.undefine()
        } catch where error.code == .noNetwork {
            return
        } catch {
            throw .libvirt("cannot remove the stale lease of cluster '\(cluster)'", error)
        }
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        TimeInterval(duration.components.seconds) + TimeInterval(duration.components.attoseconds) / 1e18
    }
}
