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
    /// Hosts cleaned, by name (one host: its name).
    public var hosts: [String] = []
    /// Hosts that did not answer, even after retrying, with why. Not empty: the cluster is not
    /// gone; its record stays (marked as being deleted) on the hosts that were cleaned, so that
    /// `cluster list` shows it and `cluster delete` or `kinvm gc` finishes the job.
    public var pendingHosts: [String: String] = [:]
}

/// A cluster `kinvm gc` found past its TTL.
public struct ClusterExpiry: Sendable, Codable, Hashable {
    public var cluster: String
    public var created: String
    public var ttlSeconds: Int
    public var expired: String
}

/// How `cluster delete` treats hosts that do not answer.
public struct ClusterDeleteOptions: Sendable {
    /// Guests deleted at once per host.
    public var parallelism: Int
    /// How often to try again to reach a host that did not answer, and how long to wait between tries.
    public var retries: Int
    public var retryInterval: Duration
    /// How the retried connections are opened.
    public var open: HostFleet.OpenOptions

    public init(parallelism: Int = 4, retries: Int = 3, retryInterval: Duration = .seconds(5), open: HostFleet.OpenOptions = .init()) {
        self.parallelism = parallelism
        self.retries = retries
        self.retryInterval = retryInterval
        self.open = open
    }
}

extension ClusterManager {
    /// Deletes every trace of `cluster` on every host: its node guests (with their volumes),
    /// volumes an interrupted create left, and the network with its reservations and record.
    /// Works on a half-created or half-deleted cluster (whatever is left is found through the
    /// guests' metadata and the networks' records); `.notFound` when nothing of it exists.
    ///
    /// The hosts are the recorded spec's (and every host given). One that does not answer is
    /// tried again ``ClusterDeleteOptions/retries`` times; if it still does not, everything else
    /// is deleted, the record stays on the cleaned hosts marked with the hosts still to clean,
    /// and the result names them (``ClusterDeletion/pendingHosts``).
    public func delete(
        _ cluster: String, options: ClusterDeleteOptions = .init(), progress: @escaping @Sendable (ClusterProgress) -> Void = { _ in }
    ) async throws(ProvisionerError) -> ClusterDeletion {
        let clock = ContinuousClock()
        let start = clock.now
        var records = try await records(of: cluster)
        let spec = records.latest?.state.metadata.flatMap { try? ClusterSpec.parse($0.spec) }
        // Hosts the record names that this fleet lacks or could not reach: try them again.
        var fleets = [fleet]
        var pending: [String: (host: ClusterHost, reason: String)] = [:]
        for host in spec?.hosts ?? [] where fleet.member(named: host.name) == nil {
            pending[host.name] = (host, fleet.unreachable.first { $0.host.name == host.name }?.reason ?? "not connected yet")
        }
        for host in records.latest?.state.metadata?.pendingDelete ?? [] where pending[host] == nil && fleet.member(named: host) == nil {
            pending[host] = (ClusterHost(name: host, uri: ""), "not among the hosts given")
        }
        var attempt = 0
        while !pending.isEmpty, attempt < options.retries {
            attempt += 1
            let names = pending.keys.sorted().joined(separator: ", ")
            progress(ClusterProgress(node: nil, step: "host(s) \(names) did not answer; trying again (\(attempt)/\(options.retries))"))
            if attempt > 1 { try await WaitDeadline.sleep(options.retryInterval) }
            let again = try await HostFleet.open(pending.values.map(\.host).filter { !$0.uri.isEmpty }, options: options.open, logger: logger)
            for member in again.members { pending[member.host.name] = nil }
            for (host, reason) in again.unreachable { pending[host.name] = (host, reason) }
            if !again.members.isEmpty { fleets.append(again) }
        }
        let members = fleets.flatMap(\.members)
        let all = ClusterManager(fleet: HostFleet(members: members, unreachable: [], warnings: []), templateSearchPath: templateSearchPath, logger: logger)
        let guests = try await all.members(of: cluster)
        // Hosts that stopped answering since they were connected: pending like the others.
        for (host, reason) in all.outages.all {
            pending[host] = (members.first { $0.host.name == host }?.host ?? ClusterHost(name: host, uri: ""), reason)
        }
        let answering = members.filter { all.outages.reason($0.host.name) == nil }
        records = try await ClusterManager(
            fleet: HostFleet(members: answering, unreachable: [], warnings: []), templateSearchPath: templateSearchPath, logger: logger
        ).records(of: cluster)
        guard !records.isEmpty || !guests.isEmpty || !pending.isEmpty else {
            let hosts = members.map { $0.connection.uri }.joined(separator: ", ")
            throw ProvisionerError(.notFound, "no cluster '\(cluster)' on \(hosts): no network records it and no guest belongs to it")
        }
        var result = ClusterDeletion(cluster: cluster, guests: [], orphanVolumes: [], network: nil, seconds: 0)
        // Every host at once; on each, its guests `parallelism` at a time.
        let outcomes = await HostFleet(members: answering, unreachable: [], warnings: []).forEach { member throws(ProvisionerError) -> ClusterDeletion in
            let local = ClusterManager(guests: member.guests, templateSearchPath: templateSearchPath, logger: logger)
            var part = ClusterDeletion(cluster: cluster, guests: [], orphanVolumes: [], network: nil, seconds: 0)
            let names = guests.filter { $0.host == member.host.name }.map(\.name)
            part.guests = try await local.deleteGuests(names, parallelism: options.parallelism, progress: progress)
            var pools = Set(guests.filter { $0.host == member.host.name }.flatMap(\.managedVolumes).compactMap {
                $0.split(separator: "/").first.map(String.init)
            })
            if let spec { pools.insert(spec.storagePool) }
            for pool in pools.sorted() {
                part.orphanVolumes += try await local.deleteOrphanVolumes(of: cluster, spec: spec, pool: pool, progress: progress)
            }
            return part
        }
        var failures: [String] = []
        for (host, outcome) in outcomes {
            switch outcome {
            case .success(let part):
                result.guests += part.guests
                result.orphanVolumes += part.orphanVolumes
                result.hosts.append(host)
            case .failure(let error):
                failures.append("host \(host): \(error.message)")
            }
        }
        guard failures.isEmpty else {
            throw ProvisionerError(.libvirt, "could not delete everything of cluster '\(cluster)': " + failures.joined(separator: "; "))
        }
        KillPoint.clusterGuestsDeleted.reach(cluster)
        result.pendingHosts = pending.mapValues(\.reason)
        for (host, state) in records.byHost.sorted(by: { $0.key < $1.key }) {
            guard let member = members.first(where: { $0.host.name == host }) else { continue }
            let network = ClusterNetwork(name: state.name, cluster: cluster, on: member.connection, logger: logger)
            if pending.isEmpty {
                progress(ClusterProgress(node: nil, step: "deleting network \(state.name)\(members.count > 1 ? " on host \(host)" : "")"))
                try await network.delete()
                result.network = state.name
            } else {
                // Keep the record where it is, marked, so that the cluster is not forgotten.
                try await network.updateRecord { $0.pendingDelete = pending.keys.sorted() }
            }
        }
        for fleet in fleets.dropFirst() { await fleet.close() }
        result.hosts.sort()
        result.seconds = NodeManager.seconds(start.duration(to: clock.now))
        return result
    }

    /// Deletes the guests, at most `parallelism` at a time; a failure is reported after all were tried.
    func deleteGuests(_ names: [String], parallelism: Int, progress: @escaping @Sendable (ClusterProgress) -> Void)
        async throws(ProvisionerError) -> [GuestDeletion]
    {
        let results = await FanOut.map(names, limit: parallelism) { (name) async throws(ProvisionerError) in
            progress(ClusterProgress(node: name, step: "deleting the guest and its volumes"))
            return try await guests.delete(name)
        }
        var deleted: [GuestDeletion] = []
        var failures: [String] = []
        for (name, result) in zip(names, results).sorted(by: { $0.0 < $1.0 }) {
            switch result {
            case .success(let deletion): deleted.append(deletion)
            case .failure(let error) where error.code == .notFound: continue
            case .failure(let error): failures.append("\(name): \(error.message)")
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
        var pendingDelete: [String: String] = [:]
        let lists = await fleet.forEach { member throws(ProvisionerError) in try await ClusterNetwork.list(on: member.connection) }
        for (_, outcome) in lists {
            for network in try outcome.get() {
                guard let metadata = network.metadata else { continue }
                if !metadata.pendingDelete.isEmpty { pendingDelete[metadata.cluster] = metadata.created }
                guard let ttl = metadata.ttlSeconds else { continue }
                records[metadata.cluster] = (metadata.created, ttl)
            }
        }
        for guest in try await allGuests() where guest.owned {
            guard let cluster = guest.cluster, records[cluster] == nil, let created = guest.created, let ttl = guest.ttlSeconds else { continue }
            records[cluster] = (created, ttl)
        }
        let formatter = ISO8601DateFormatter()
        var expired = records.compactMap { cluster, record -> ClusterExpiry? in
            guard let created = formatter.date(from: record.created) else { return nil }
            let expiry = created.addingTimeInterval(TimeInterval(record.ttl))
            guard expiry <= now else { return nil }
            return ClusterExpiry(cluster: cluster, created: record.created, ttlSeconds: record.ttl, expired: formatter.string(from: expiry))
        }
        // A deletion that could not reach every host is finished by gc, TTL or not.
        for (cluster, created) in pendingDelete where !expired.contains(where: { $0.cluster == cluster }) {
            expired.append(ClusterExpiry(cluster: cluster, created: created, ttlSeconds: records[cluster]?.ttl ?? 0, expired: "deletion pending"))
        }
        return expired.sorted { $0.cluster < $1.cluster }
    }
}
