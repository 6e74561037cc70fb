import Foundation
import Libvirt

/// What `cluster delete` removed.
public struct ClusterDeletion: Sendable, Codable {
    public var cluster: String
    /// Every node guest, with the volumes deleted with it.
    public var guests: [GuestDeletion]
    /// Volumes an interrupted create left without a guest, `pool/volume` (only those the
    /// cluster's record proves kinvm made: ``LeftoverVolumes``).
    public var orphanVolumes: [String]
    /// Volumes named like the cluster's node volumes that were kept, `pool/volume: why`.
    public var keptVolumes: [String] = []
    /// Nothing was deleted: this is what a real run would delete.
    public var dryRun = false
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
public struct ClusterExpiry: Sendable, Codable {
    public var cluster: String
    public var created: String
    public var ttlSeconds: Int
    public var expired: String
    /// What `kinvm gc` deleted of it (with `--dry-run`: would delete); nil when not asked.
    public var deletion: ClusterDeletion?
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
    /// How long to wait for another run that holds the cluster's lease (``ClusterLease``).
    public var leaseWait: Duration = .seconds(600)

    public init(
        parallelism: Int = 4, retries: Int = 3, retryInterval: Duration = .seconds(5), open: HostFleet.OpenOptions = .init(),
        leaseWait: Duration = .seconds(600)
    ) {
        self.leaseWait = leaseWait
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
    /// The hosts are those given (never more: a host only the record names is not opened and
    /// counts as not cleaned). A given host that does not answer is tried again
    /// ``ClusterDeleteOptions/retries`` times; if it still does not, everything else is deleted,
    /// the record stays on the cleaned hosts marked with the hosts still to clean, and the result
    /// names them (``ClusterDeletion/pendingHosts``).
    ///
    /// With `dryRun`, nothing is changed and the result lists what a real run would delete (the
    /// same hosts are tried, the same plans made).
    public func delete(
        _ cluster: String, options: ClusterDeleteOptions = .init(), dryRun: Bool = false,
        progress: @escaping @Sendable (ClusterProgress) -> Void = { _ in }
    ) async throws(ProvisionerError) -> ClusterDeletion {
        guard !dryRun else { return try await deleteHoldingLease(cluster, options: options, dryRun: true, progress: progress) }
        let spec = try await records(of: cluster).latest?.state.metadata.flatMap { try? ClusterSpec.parse($0.spec) }
        return try await withLease(cluster, hosts: spec?.hosts ?? [], command: "cluster delete", wait: options.leaseWait, progress: progress) {
            () async throws(ProvisionerError) in
            try await deleteHoldingLease(cluster, options: options, dryRun: false, progress: progress)
        }
    }

    private func deleteHoldingLease(
        _ cluster: String, options: ClusterDeleteOptions, dryRun: Bool, progress: @escaping @Sendable (ClusterProgress) -> Void
    ) async throws(ProvisionerError) -> ClusterDeletion {
        let clock = ContinuousClock()
        let start = clock.now
        var records = try await records(of: cluster)
        let spec = records.latest?.state.metadata.flatMap { try? ClusterSpec.parse($0.spec) }
        // Hosts the record names that this fleet could not reach: try them again, at the URI the
        // user gave. Hosts only the record names stay pending and are never opened (a record is
        // read back from a host: untrusted).
        var fleets = [fleet]
        var pending: [String: (host: ClusterHost, reason: String)] = [:]
        for host in spec?.hosts ?? [] where fleet.member(named: host.name) == nil {
            if let given = fleet.unreachable.first(where: { $0.host.name == host.name }) {
                pending[host.name] = (given.host, given.reason)
            } else {
                pending[host.name] = (ClusterHost(name: host.name, uri: ""), ClusterHost.notGivenReason)
            }
        }
        for host in records.latest?.state.metadata?.pendingDelete ?? [] where pending[host] == nil && fleet.member(named: host) == nil {
            pending[host] = (ClusterHost(name: host, uri: ""), ClusterHost.notGivenReason)
        }
        var attempt = 0
        var retriable: [ClusterHost] { pending.values.map(\.host).filter { !$0.uri.isEmpty } }
        while !retriable.isEmpty, attempt < options.retries {
            let retried = retriable
            attempt += 1
            let names = retried.map(\.name).sorted().joined(separator: ", ")
            progress(ClusterProgress(node: nil, step: "host(s) \(names) did not answer; trying again (\(attempt)/\(options.retries))"))
            if attempt > 1 { try await WaitDeadline.sleep(options.retryInterval) }
            let again = try await HostFleet.open(retried, options: options.open, logger: logger)
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
        let networks = records.byHost
        // Every host at once; on each, its guests `parallelism` at a time.
        let outcomes = await HostFleet(members: answering, unreachable: [], warnings: []).forEach { member throws(ProvisionerError) -> ClusterDeletion in
            let local = ClusterManager(guests: member.guests, templateSearchPath: templateSearchPath, logger: logger)
            var part = ClusterDeletion(cluster: cluster, guests: [], orphanVolumes: [], network: nil, seconds: 0)
            let names = guests.filter { $0.host == member.host.name }.map(\.name)
            if dryRun {
                part.guests = try await local.guestDeletionPlans(names, parallelism: options.parallelism)
            } else {
                part.guests = try await local.deleteGuests(names, parallelism: options.parallelism, progress: progress)
            }
            var pools = Set(guests.filter { $0.host == member.host.name }.flatMap(\.managedVolumes).compactMap {
                $0.split(separator: "/").first.map(String.init)
            })
            if let spec { pools.insert(spec.storagePool) }
            // A dry run sees the guests still there: count them, and their volumes, as gone.
            let findings = try await member.guests.leftoverVolumes(
                of: cluster, network: networks[member.host.name], host: member.host.name, pools: pools,
                assumingDeleted: dryRun ? part.guests : [])
            if dryRun {
                part.orphanVolumes = findings.filter { $0.keptBecause == nil }.map(\.label)
            } else {
                part.orphanVolumes = try await member.guests.deleteLeftovers(findings) { finding in
                    progress(ClusterProgress(node: finding.node, step: "deleting volume \(finding.label) left by an interrupted create"))
                }
            }
            part.keptVolumes = findings.compactMap { finding in finding.keptBecause.map { "\(finding.label): \($0)" } }
            return part
        }
        var failures: [String] = []
        for (host, outcome) in outcomes {
            switch outcome {
            case .success(let part):
                result.guests += part.guests
                result.orphanVolumes += part.orphanVolumes
                result.keptVolumes += part.keptVolumes
                result.hosts.append(host)
            case .failure(let error):
                failures.append("host \(host): \(error.message)")
            }
        }
        guard failures.isEmpty else {
            throw ProvisionerError(.libvirt, "could not delete everything of cluster '\(cluster)': " + failures.joined(separator: "; "))
        }
        result.pendingHosts = pending.mapValues(\.reason)
        result.dryRun = dryRun
        if dryRun {
            if pending.isEmpty { result.network = records.latest?.state.name ?? records.byHost.values.first?.name }
            for fleet in fleets.dropFirst() { await fleet.close() }
            result.hosts.sort()
            return result
        }
        KillPoint.clusterGuestsDeleted.reach(cluster)
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

    /// What deleting the guests would do (``GuestManager/deletionPlan(_:force:)``), at most
    /// `parallelism` read at a time.
    func guestDeletionPlans(_ names: [String], parallelism: Int) async throws(ProvisionerError) -> [GuestDeletion] {
        var plans: [GuestDeletion] = []
        for result in await FanOut.map(names.sorted(), limit: parallelism, { (name) async throws(ProvisionerError) in
            try await guests.deletionPlan(name)
        }) {
            switch result {
            case .success(let plan): plans.append(plan)
            case .failure(let error) where error.code == .notFound: continue
            case .failure(let error): throw error
            }
        }
        return plans
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
