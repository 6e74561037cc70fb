import DomainTemplates
import Foundation
import Libvirt

/// A cluster's records on the hosts that answered: one per host holding its network.
struct ClusterRecords: Sendable {
    /// Host name -> the cluster network there.
    var byHost: [String: ClusterNetworkState]

    /// The record written last (highest generation), with the host holding it.
    var latest: (host: String, state: ClusterNetworkState)? {
        byHost.filter { $0.value.metadata != nil }
            .max { ($0.value.metadata!.generation, $1.key) < ($1.value.metadata!.generation, $0.key) }
            .map { ($0.key, $0.value) }
    }

    var isEmpty: Bool { byHost.isEmpty }
}

extension ClusterManager {
    /// The cluster's network on every reachable host (hosts without one are left out).
    func records(of cluster: String) async throws(ProvisionerError) -> ClusterRecords {
        let outcomes = await fleet.forEach { member throws(ProvisionerError) -> ClusterNetworkState? in
            guard self.outages.reason(member.host.name) == nil else { return nil }
            return try await ClusterNetwork.list(on: member.connection).first { $0.cluster == cluster }
        }
        var byHost: [String: ClusterNetworkState] = [:]
        var failures: [ProvisionerError] = []
        for (host, outcome) in outcomes {
            switch outcome {
            case .success(let state): if let state { byHost[host] = state }
            case .failure(let error):
                if fleet.members.count == 1 { throw error }
                outages.record(host, reason: error.description)
                failures.append(error)
            }
        }
        if failures.count == fleet.members.count, let first = failures.first { throw first }
        return ClusterRecords(byHost: byHost)
    }

    /// Every host the cluster records on the reachable hosts name, once each (by URI): for naming
    /// the hosts given and saying which were not; never opened for being recorded.
    public func recordedHosts() async throws(ProvisionerError) -> [ClusterHost] {
        let lists = await fleet.forEach { member throws(ProvisionerError) in try await ClusterNetwork.list(on: member.connection) }
        var hosts: [ClusterHost] = []
        for (_, outcome) in lists {
            for network in (try? outcome.get()) ?? [] {
                guard let text = network.metadata?.spec, let spec = try? ClusterSpec.parse(text) else { continue }
                for host in spec.hosts where !hosts.contains(where: { $0.uri == host.uri }) { hosts.append(host) }
            }
        }
        return hosts
    }

    /// The hosts of `spec` that are members of the fleet (reachable), in spec order; for a spec
    /// without hosts, the first reachable host.
    func reachableHosts(of spec: ClusterSpec) -> [HostFleet.Member] {
        guard !spec.hosts.isEmpty else { return [fleet.members[0]] }
        return spec.hosts.compactMap { fleet.member(named: $0.name) }.filter { outages.reason($0.host.name) == nil }
    }

    /// Hosts of `spec` that did not answer (or stopped answering), with why.
    func unreachableHosts(of spec: ClusterSpec) -> [(host: String, reason: String)] {
        spec.hosts.compactMap { host in
            if let reason = outages.reason(host.name) { return (host.name, reason) }
            guard fleet.member(named: host.name) == nil else { return nil }
            let reason = fleet.unreachable.first { $0.host.name == host.name }?.reason ?? ClusterHost.notGivenReason
            return (host.name, reason)
        }
    }

    /// Where the nodes `spec` wants and that have no host yet go: from each reachable host's
    /// figures read now (free memory, CPUs, the ceilings of the kinvm guests there) and the spec's
    /// limits, by ``ClusterSpec/placement``. Nodes with a guest stay where it is; nodes the record
    /// placed stay there. A spec without hosts has one host: every node without a guest must fit
    /// there, by the same rules (``singleHostPlan(for:guests:)``), and `placements` is not changed.
    /// - Throws: `.insufficientResources` with ``PlacementError``'s reasons when a node fits no host.
    func placement(
        for spec: ClusterSpec, recorded: [String: String], guests: [GuestInfo]
    ) async throws(ProvisionerError) -> (plan: PlacementPlan, placements: [String: String]) {
        var placements: [String: String] = [:]
        for guest in guests where guest.cluster == spec.name { if let host = guest.host { placements[guest.name] = host } }
        for (node, host) in recorded where placements[node] == nil { placements[node] = host }
        guard !spec.hosts.isEmpty else {
            let plan = try await singleHostPlan(for: spec, guests: guests)
            return (plan, placements)
        }
        let desired = spec.desiredNodes
        let demands = Self.demands(desired.filter { placements[$0.name] == nil })
        guard !demands.isEmpty else { return (PlacementPlan(assignments: [], notes: []), placements) }
        let readings = await fleet.forEach { member throws(ProvisionerError) -> HostCapacity in
            try await HostInventory.read(member).capacity
        }
        var byHost: [String: HostReading] = [:]
        for (host, outcome) in readings {
            switch outcome {
            case .success(let capacity): byHost[host] = .reachable(capacity)
            case .failure(let error): byHost[host] = .unreachable(name: host, reason: error.message)
            }
        }
        let hosts = spec.hosts.map { host in
            byHost[host.name] ?? .unreachable(name: host.name, reason: unreachableHosts(of: spec).first { $0.host == host.name }?.reason ?? ClusterHost.notGivenReason)
        }
        let controlPlanes = Set(desired.filter(\.controlPlane).map(\.name))
        let existing = placements.filter { node, _ in ClusterSpec.parseNodeName(node, cluster: spec.name) != nil }
            .map { PlacedNode(node: $0.key, host: $0.value, isControlPlane: controlPlanes.contains($0.key)) }
            .sorted { $0.node < $1.node }
        do {
            let plan = try Placement.plan(demands, hosts: hosts, existing: existing, strategy: spec.placement)
            for assignment in plan.assignments { placements[assignment.node] = assignment.host }
            return (plan, placements)
        } catch {
            throw ProvisionerError(.insufficientResources, error.message)
        }
    }

    /// The plan for a spec without hosts: every node with no guest yet goes on the fleet's one host,
    /// checked against its figures read now as ``Placement`` checks a host of a multi-host spec
    /// (CPUs, free memory, memory left once the ceilings of the kinvm guests there and of the nodes
    /// placed before are reserved).
    func singleHostPlan(for spec: ClusterSpec, guests: [GuestInfo]) async throws(ProvisionerError) -> PlacementPlan {
        let existing = Set(guests.filter { $0.cluster == spec.name }.map(\.name))
        let desired = spec.desiredNodes
        let demands = Self.demands(desired.filter { !existing.contains($0.name) })
        guard !demands.isEmpty else { return PlacementPlan() }
        let member = fleet.members[0]
        let capacity = try await HostInventory.read(member).capacity
        let controlPlanes = Set(desired.filter(\.controlPlane).map(\.name))
        let placed = existing.sorted().map { PlacedNode(node: $0, host: member.host.name, isControlPlane: controlPlanes.contains($0)) }
        do {
            return try Placement.plan(demands, hosts: [.reachable(capacity)], existing: placed, strategy: spec.placement)
        } catch {
            throw ProvisionerError(.insufficientResources, error.message)
        }
    }

    /// What each node asks of its host: its ceilings.
    static func demands(_ nodes: [DesiredNode]) -> [NodeDemand] {
        nodes.map { node in
            NodeDemand(
                name: node.name, isControlPlane: node.controlPlane, vcpus: node.sizes.maxVCPUs,
                memoryBytes: node.sizes.maxMemory.bytes)
        }
    }

    /// The cluster network on every reachable host of the spec (one host unless bridged), each
    /// with the same record: the spec, the addresses of every node the spec wants (kept ones
    /// kept), and where each node lives (new nodes placed now). Hosts that did not answer are
    /// brought up to date by the next command that reaches them.
    func ensureNetwork(_ spec: ClusterSpec, progress: @escaping @Sendable (ClusterProgress) -> Void) async throws(ProvisionerError)
        -> ClusterNetworkState
    {
        let records = try await records(of: spec.name)
        let latest = records.latest?.state
        let guests = try await members(of: spec.name)
        let created = latest?.metadata?.created ?? ClusterNetworkMetadata.timestamp(Date())
        let range = spec.network.addresses.map { $0.lowerBound.value...$0.upperBound.value }
        let allocation = try AddressAllocator.allocate(
            in: spec.network.cidr, range: range, existing: latest?.reservations ?? [], wanted: spec.desiredNodes.map(\.name))
        let (plan, placements) = try await placement(for: spec, recorded: latest?.metadata?.placements ?? [:], guests: guests)
        for assignment in plan.assignments where !spec.hosts.isEmpty {
            progress(ClusterProgress(node: assignment.node, step: "placed on host \(assignment.host) (\(spec.placement.rawValue))"))
        }
        for note in plan.notes { progress(ClusterProgress(node: nil, step: note)) }
        for (host, reason) in unreachableHosts(of: spec) {
            progress(ClusterProgress(node: nil, step: "host \(host) is unreachable (\(reason)); its record is brought up to date later"))
        }
        // A first create checks pools and the image before it makes anything; a re-run or an
        // apply keeps what exists.
        if records.isEmpty { try await preflight(spec) }
        let bridged = spec.network.mode == .bridged
        let metadata = ClusterNetworkMetadata(
            cluster: spec.name, created: created, ttlSeconds: spec.ttl, spec: spec.yaml(),
            generation: ClusterNetwork.generationNow(), addresses: bridged ? mergedAddresses(allocation) : [],
            placements: placements, pendingDelete: latest?.metadata?.pendingDelete ?? [])
        let definition = ClusterNetworkDefinition(
            name: spec.network.name, cidr: spec.network.cidr,
            mode: bridged ? .bridged : spec.network.mode == .nat ? .nat : .isolated, metadata: metadata,
            bridge: bridged ? spec.network.bridge : nil, reservations: bridged ? [] : allocation.reservations)
        let members = reachableHosts(of: spec)
        let results = await FanOut.map(members) { (member) async throws(ProvisionerError) in
            let network = ClusterNetwork(name: spec.network.name, cluster: spec.name, on: member.connection, logger: logger)
            let existing = try await network.state()
            if existing == nil {
                progress(ClusterProgress(node: nil, step: "creating network \(spec.network.name) on host \(member.host.name) (\(Self.describe(spec.network)))"))
            }
            try await network.ensure(definition)
            if existing != nil {
                try await network.updateRecord { record in
                    record.spec = metadata.spec
                    record.ttlSeconds = metadata.ttlSeconds
                    record.placements = metadata.placements
                    if bridged { record.addresses = metadata.addresses }
                }
            }
            if !bridged { _ = try await network.reserve(allocation.reservations) }
        }
        let outcomes: [(String, ProvisionerError?)] = zip(members, results).map { member, result in
            guard case .failure(let error) = result else { return (member.host.name, nil) }
            return (member.host.name, error)
        }
        // A host that fails here for a reason of its own (a refused network, a name clash) stops
        // the command; one that stopped answering is an outage, and the others go on.
        for (host, error) in outcomes {
            guard let error else { continue }
            if members.count > 1, error.underlying.map(Self.isConnectionLoss) == true {
                outages.record(host, reason: error.description)
                progress(ClusterProgress(node: nil, step: "host \(host) stopped answering: \(error.message)"))
                continue
            }
            throw ProvisionerError(error.code, "host \(host): \(error.message)", underlying: error.underlying)
        }
        let answering = members.filter { outages.reason($0.host.name) == nil }
        guard let first = answering.first else { throw ProvisionerError(.hostUnreachable, "none of the cluster's hosts answers") }
        guard var state = try await ClusterNetwork(name: spec.network.name, cluster: spec.name, on: first.connection, logger: logger).state()
        else {
            throw ProvisionerError(.notFound, "network '\(spec.network.name)' disappeared while it was being set up")
        }
        state.metadata?.placements = placements
        return state
    }

    /// A bridged record's addresses: the allocation's for wanted nodes, plus those of nodes not
    /// wanted any more (released once those nodes are removed).
    private func mergedAddresses(_ allocation: AddressAllocation) -> [DHCPReservation] {
        (allocation.reservations + allocation.unwanted).sorted { $0.ip < $1.ip }
    }

    static func describe(_ network: ClusterSpec.Network) -> String {
        switch network.mode {
        case .bridged: "bridged on \(network.bridge ?? "?"), \(network.cidr)"
        default: "\(network.cidr)"
        }
    }

    /// Releases the addresses (and placements) of `nodes` in the cluster's record on every reachable host.
    func releaseAddresses(_ spec: ClusterSpec, nodes: [String]) async throws(ProvisionerError) {
        for member in reachableHosts(of: spec) {
            let network = ClusterNetwork(name: spec.network.name, cluster: spec.name, on: member.connection, logger: logger)
            _ = try await network.release(nodes: nodes)
            try await network.updateRecord { record in for node in nodes { record.placements[node] = nil } }
        }
    }
}

extension ClusterManager {
    /// The boot files to use on `member` for new guests of `spec`: with `spec.imageSource`, the
    /// image and boot files are first brought to the host through libvirt streams and checked
    /// (once per host and command); without it, `spec.boot` as written.
    func prepareImages(_ spec: ClusterSpec, on member: HostFleet.Member, progress: @Sendable (ClusterProgress) -> Void)
        async throws(ProvisionerError) -> DirectBoot?
    {
        guard let source = spec.imageSource else { return spec.boot }
        if let boot = images.boot(on: member.host.name) { return boot }
        let prepared: HostImages
        if let cached = images.prepared() {
            prepared = cached
        } else {
            progress(ClusterProgress(node: nil, step: "hashing \(source.file)\(spec.boot == nil ? "" : " and the boot files")"))
            prepared = try await HostImages.prepare(source: source, image: spec.image, boot: spec.boot, logger: logger)
            images.set(prepared)
        }
        let (boot, outcome) = try await prepared.ensure(on: member) { progress(ClusterProgress(node: nil, step: $0)) }
        let sent = outcome.uploaded.isEmpty ? "" : "sent \(outcome.uploaded.joined(separator: ", ")), "
        progress(ClusterProgress(node: nil, step: String(format: "host \(member.host.name): \(sent)checked \(spec.image) by SHA-256 (%.1fs)", outcome.seconds)))
        images.set(boot: boot, on: member.host.name)
        return boot
    }
}

/// What `cluster create --dry-run` shows: each node's host and address, nothing changed.
public struct ClusterCreatePlan: Sendable, Codable {
    public struct Node: Sendable, Codable, Hashable {
        public var name: String
        public var group: String
        public var host: String?
        public var ip: String
        /// Already there (a create that ran before).
        public var exists: Bool
    }

    public var cluster: String
    public var placement: PlacementStrategy
    public var nodes: [Node]
    public var notes: [String]
    /// The hosts' figures after placement (as `kinvm host list` would show them).
    public var hosts: [HostCapacity]
    public var unreachableHosts: [String: String]
}

extension ClusterManager {
    /// The placement and addresses `create` would use, read from the hosts; nothing is changed.
    public func planCreate(_ spec: ClusterSpec) async throws(ProvisionerError) -> ClusterCreatePlan {
        let records = try await records(of: spec.name)
        let latest = records.latest?.state
        let guests = try await members(of: spec.name)
        let range = spec.network.addresses.map { $0.lowerBound.value...$0.upperBound.value }
        let allocation = try AddressAllocator.allocate(
            in: spec.network.cidr, range: range, existing: latest?.reservations ?? [], wanted: spec.desiredNodes.map(\.name))
        let (plan, placements) = try await placement(for: spec, recorded: latest?.metadata?.placements ?? [:], guests: guests)
        let readings = await fleet.forEach { member throws(ProvisionerError) in try await HostInventory.read(member).capacity }
        var capacities = readings.compactMap { try? $0.result.get() }
        capacities = Placement.capacitiesAfter(plan, demands: Self.demands(spec.desiredNodes), hosts: capacities)
        let existing = Set(guests.map(\.name))
        var unreachable: [String: String] = [:]
        for (host, reason) in unreachableHosts(of: spec) { unreachable[host] = reason }
        return ClusterCreatePlan(
            cluster: spec.name, placement: spec.placement,
            nodes: spec.desiredNodes.map { node in
                ClusterCreatePlan.Node(
                    name: node.name, group: node.group, host: placements[node.name] ?? plan.host(for: node.name),
                    ip: allocation.reservations.first { $0.node == node.name }?.ip.description ?? "-", exists: existing.contains(node.name))
            },
            notes: plan.notes, hosts: capacities, unreachableHosts: unreachable)
    }

    /// Whether a libvirt error means the connection to the host is gone (the daemon died, the
    /// link broke), as opposed to a refusal of the call itself.
    static func isConnectionLoss(_ error: LibvirtError) -> Bool {
        error.domain == .rpc || error.code == .rpc || error.code == .systemError || error.code == .noConnection || error.code == .invalidConnection
    }
}

extension ClusterNetwork {
    /// A generation for a record written now: milliseconds since 1970, so that records written on
    /// different hosts at different times order by time (a host that was down keeps an older one).
    static func generationNow() -> Int { Int(Date().timeIntervalSince1970 * 1000) }
}
