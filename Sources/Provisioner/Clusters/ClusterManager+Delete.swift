import Foundation
import Libvirt

/// What `cluster delete` removed.
public struct ClusterDeletion: Sendable, Codable {
    public var cluster: String
    /// Every node guest, with the volumes deleted with it.
    public var guests: [GuestDeletion]
    /// Volumes an interrupted create left without a guest, `pool/volume`.
    public var orphanVolumes: [String]
    /// The cluster network, when there was one.
    public var network: String?
    public var seconds: Double
}

/// A cluster `kinvm gc` found past its TTL.
public struct ClusterExpiry: Sendable, Codable, Hashable {
    public var cluster: String
    public var created: String
    public var ttlSeconds: Int
    public var expired: String
}

extension ClusterManager {
    /// Deletes every trace of `cluster`: its node guests (with their volumes), volumes an
    /// interrupted create left, and the network with its reservations and record. Works on a
    /// half-created or half-deleted cluster (whatever is left is found through the guests'
    /// metadata and the network's record); `.notFound` when nothing of it exists.
    public func delete(
        _ cluster: String, parallelism: Int = 4, progress: @escaping @Sendable (ClusterProgress) -> Void = { _ in }
    ) async throws(ProvisionerError) -> ClusterDeletion {
        let clock = ContinuousClock()
        let start = clock.now
        let network = try await ClusterNetwork.list(on: guests.connection).first { $0.cluster == cluster }
        let members = try await members(of: cluster)
        guard network != nil || !members.isEmpty else {
            throw ProvisionerError(.notFound, "no cluster '\(cluster)' on \(guests.connection.uri): no network records it and no guest belongs to it")
        }
        let spec = network?.metadata.flatMap { try? ClusterSpec.parse($0.spec) }
        var result = ClusterDeletion(cluster: cluster, guests: [], orphanVolumes: [], network: nil, seconds: 0)
        result.guests = try await deleteGuests(members.map(\.name), parallelism: parallelism, progress: progress)
        var pools = Set(members.flatMap(\.managedVolumes).compactMap { $0.split(separator: "/").first.map(String.init) })
        if let spec { pools.insert(spec.storagePool) }
        for pool in pools.sorted() {
            result.orphanVolumes += try await deleteOrphanVolumes(of: cluster, spec: spec, pool: pool, progress: progress)
        }
        KillPoint.clusterGuestsDeleted.reach(cluster)
        if let network {
            progress(ClusterProgress(node: nil, step: "deleting network \(network.name)"))
            try await ClusterNetwork(name: network.name, cluster: cluster, on: guests.connection, logger: logger).delete()
            result.network = network.name
        }
        result.seconds = NodeManager.seconds(start.duration(to: clock.now))
        return result
    }

    /// Deletes the guests, at most `parallelism` at a time; a failure is reported after all were tried.
    func deleteGuests(_ names: [String], parallelism: Int, progress: @escaping @Sendable (ClusterProgress) -> Void)
        async throws(ProvisionerError) -> [GuestDeletion]
    {
        // Each child returns its outcome as two optionals rather than a Result built in a typed
        // `do throws(…)`: with that, Swift 6.3's optimizer (-c release) lost the successes here
        // (every deletion came back empty while the guests were deleted).
        let outcomes = await withTaskGroup(of: GuestDeletionOutcome.self) { group in
            var pending = names[...]
            var outcomes: [GuestDeletionOutcome] = []
            func launch(_ name: String) {
                group.addTask {
                    progress(ClusterProgress(node: name, step: "deleting the guest and its volumes"))
                    do {
                        return GuestDeletionOutcome(name: name, deletion: try await guests.delete(name), error: nil)
                    } catch let error as ProvisionerError {
                        return GuestDeletionOutcome(name: name, deletion: nil, error: error)
                    } catch {
                        return GuestDeletionOutcome(name: name, deletion: nil, error: ProvisionerError(.libvirt, "\(error)"))
                    }
                }
            }
            for _ in 0..<max(1, parallelism) { if let name = pending.popFirst() { launch(name) } }
            for await outcome in group {
                outcomes.append(outcome)
                if let name = pending.popFirst() { launch(name) }
            }
            return outcomes
        }
        var deleted: [GuestDeletion] = []
        var failures: [String] = []
        for outcome in outcomes.sorted(by: { $0.name < $1.name }) {
            if let deletion = outcome.deletion {
                deleted.append(deletion)
            } else if let error = outcome.error, error.code != .notFound {
                failures.append("\(outcome.name): \(error.message)")
            }
        }
        guard failures.isEmpty else {
            throw ProvisionerError(.libvirt, "could not delete every guest: " + failures.joined(separator: "; "))
        }
        return deleted
    }

    /// Volumes in `pool` named like a node volume of `cluster` (`CLUSTER-…-root.qcow2`, `-seed.iso`,
    /// `-airgap.tar`) whose node has no guest: what a create killed between making volumes and
    /// defining the guest leaves. With the spec at hand the node name must parse as one of its
    /// nodes; without it, as `CLUSTER-GROUP-N`.
    func deleteOrphanVolumes(of cluster: String, spec: ClusterSpec?, pool: String, progress: @Sendable (ClusterProgress) -> Void)
        async throws(ProvisionerError) -> [String]
    {
        var deleted: [String] = []
        let existing = Set(try await guests.list().map(\.name))
        do throws(LibvirtError) {
            guard let storage = try await guests.connection.storagePoolIfPresent(named: pool) else { return [] }
            for volume in try await storage.allVolumes().sorted(by: { $0.name < $1.name }) {
                guard let node = Self.orphanNode(volume: volume.name, cluster: cluster, spec: spec), !existing.contains(node) else { continue }
                progress(ClusterProgress(node: node, step: "deleting volume \(pool)/\(volume.name) left by an interrupted create"))
                try await volume.delete()
                deleted.append("\(pool)/\(volume.name)")
            }
        } catch {
            throw .libvirt("cannot delete the volumes cluster '\(cluster)' left in pool '\(pool)'", error)
        }
        return deleted
    }

    /// The node a volume named `NODE-root.qcow2` (or `-seed.iso`, `-airgap.tar`) belongs to, when
    /// NODE is a node name of `cluster`.
    static func orphanNode(volume: String, cluster: String, spec: ClusterSpec?) -> String? {
        for suffix in ["-root.qcow2", "-seed.iso", "-airgap.tar"] where volume.hasSuffix(suffix) {
            let node = String(volume.dropLast(suffix.count))
            if let spec { return spec.parseNodeName(node) != nil ? node : nil }
            return ClusterSpec.parseNodeName(node, cluster: cluster) != nil ? node : nil
        }
        return nil
    }

    /// Clusters whose TTL has passed at `now`, by the network's record (or, with no network left,
    /// by their guests' metadata).
    public func expiredClusters(at now: Date = Date()) async throws(ProvisionerError) -> [ClusterExpiry] {
        var records: [String: (created: String, ttl: Int)] = [:]
        for network in try await ClusterNetwork.list(on: guests.connection) {
            guard let metadata = network.metadata, let ttl = metadata.ttlSeconds else { continue }
            records[metadata.cluster] = (metadata.created, ttl)
        }
        for guest in try await guests.list() where guest.owned {
            guard let cluster = guest.cluster, records[cluster] == nil, let created = guest.created, let ttl = guest.ttlSeconds else { continue }
            records[cluster] = (created, ttl)
        }
        let formatter = ISO8601DateFormatter()
        return records.compactMap { cluster, record -> ClusterExpiry? in
            guard let created = formatter.date(from: record.created) else { return nil }
            let expiry = created.addingTimeInterval(TimeInterval(record.ttl))
            guard expiry <= now else { return nil }
            return ClusterExpiry(cluster: cluster, created: record.created, ttlSeconds: record.ttl, expired: formatter.string(from: expiry))
        }.sorted { $0.cluster < $1.cluster }
    }
}

/// What deleting one guest came to (see ``ClusterManager/deleteGuests(_:parallelism:progress:)``).
struct GuestDeletionOutcome: Sendable {
    var name: String
    var deletion: GuestDeletion?
    var error: ProvisionerError?
}
