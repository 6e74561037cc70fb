import Foundation
import KubeClient
import Logging
import Synchronization
import DomainTemplates

/// Whole Kubernetes clusters of kinvm guests, described by one ``ClusterSpec``: create, apply
/// (scale, resize), delete, gc, and what exists, on one libvirt host or spread over several.
///
/// The state lives in libvirt alone: the cluster network's kinvm metadata holds the spec (on every
/// host of the cluster, each record stamped with a generation so the latest wins), the node
/// addresses (DHCP reservations, or the record itself on a bridged network) and where each node
/// was placed; each node guest's kinvm metadata names its cluster, role and pool. The kubeconfig
/// is read from the control-plane guest through the guest agent whenever it is needed. Any machine
/// that reaches the hosts sees the same clusters, and every command can be run again after an
/// interruption.
public struct ClusterManager: Sendable {
    /// The hosts this manager works on (reachable ones, and those that did not answer).
    public let fleet: HostFleet
    /// Where domain and join templates are looked up.
    public var templateSearchPath: [String]
    let logger: Logger
    let locator = NodeLocator()
    let images = HostImageCache()
    /// Hosts that stopped answering while this manager worked (they answered when connected).
    let outages = HostOutages()

    /// A manager over several hosts; `fleet` must have at least one reachable host.
    public init(fleet: HostFleet, templateSearchPath: [String], logger: Logger = Logger(label: "kinvm.provisioner.clusters")) {
        precondition(!fleet.members.isEmpty, "a cluster manager needs at least one reachable host")
        self.fleet = fleet
        self.templateSearchPath = templateSearchPath
        self.logger = logger
    }

    /// A manager on one host.
    public init(guests: GuestManager, templateSearchPath: [String], logger: Logger = Logger(label: "kinvm.provisioner.clusters")) {
        self.init(
            fleet: HostFleet(single: guests, name: ClusterHost.implicitName(uri: guests.connection.uri)), templateSearchPath: templateSearchPath,
            logger: logger)
    }

    /// The first reachable host: where single-host work goes.
    public var guests: GuestManager { fleet.members[0].guests }

    /// kinvm's guests that belong to `cluster` on every reachable host, by their metadata, sorted
    /// by name, each with ``GuestInfo/host`` set. A host whose guests cannot be listed fails the call.
    public func members(of cluster: String) async throws(ProvisionerError) -> [GuestInfo] {
        let all = try await allGuests()
        return all.filter { $0.owned && $0.cluster == cluster }
    }

    /// kinvm's guests on every reachable host (also remembered for ``guests(for:)``). A host
    /// whose guests cannot be listed any more (it went down since it was connected) joins
    /// ``outages`` and is left out; only when no host answers is that an error.
    func allGuests() async throws(ProvisionerError) -> [GuestInfo] {
        let (all, failures) = await fleet.collect { member throws(ProvisionerError) -> [GuestInfo] in
            guard self.outages.reason(member.host.name) == nil else { return [] }
            var guests = try await member.guests.list()
            for index in guests.indices { guests[index].host = member.host.name }
            return guests
        }
        if fleet.members.count == 1, let (_, error) = failures.first { throw error }
        for (host, error) in failures {
            logger.warning("host stopped answering", metadata: ["host": "\(host)", "reason": "\(error)"])
            outages.record(host, reason: error.description)
        }
        if failures.count == fleet.members.count, let (_, error) = failures.first { throw error }
        locator.remember(all)
        return all.sorted { $0.name < $1.name }
    }

    /// The host a node lives on: where a guest of that name was seen, else where the cluster's
    /// record placed it, else (one host) the only host.
    func member(for node: String, placements: [String: String] = [:]) async throws(ProvisionerError) -> HostFleet.Member {
        if fleet.members.count == 1, fleet.unreachable.isEmpty { return fleet.members[0] }
        if let host = locator.host(of: node) {
            if outages.reason(host) != nil { throw hostUnreachable(host, doing: "reach node \(node)") }
            if let member = fleet.member(named: host) { return member }
        }
        for member in fleet.members where outages.reason(member.host.name) == nil {
            do {
                _ = try await member.guests.find(node, requireOwned: false, action: "look up")
                locator.remember(node, host: member.host.name)
                return member
            } catch where error.code == .notFound {
                continue
            }
        }
        if let host = placements[node] {
            if let member = fleet.member(named: host), outages.reason(host) == nil { return member }
            throw hostUnreachable(host, doing: "reach node \(node)")
        }
        throw ProvisionerError(
            .notFound, "no guest named '\(node)' on any of the hosts (\(fleet.members.map(\.host.name).joined(separator: ", ")))")
    }

    /// The guest manager of the host `node` lives on.
    func guests(for node: String, placements: [String: String] = [:]) async throws(ProvisionerError) -> GuestManager {
        try await member(for: node, placements: placements).guests
    }

    /// The error for work that needs host `host` when it did not answer.
    func hostUnreachable(_ host: String, doing action: String) -> ProvisionerError {
        let reason = outages.reason(host) ?? fleet.unreachable.first { $0.host.name == host }?.reason ?? ClusterHost.notGivenReason
        return ProvisionerError(.hostUnreachable, "cannot \(action): host \(host) is unreachable (\(reason))")
    }
}

/// Hosts that went down during a command, with why.
final class HostOutages: Sendable {
    private let hosts = Mutex<[String: String]>([:])
    func record(_ host: String, reason: String) { hosts.withLock { $0[host] = reason } }
    func reason(_ host: String) -> String? { hosts.withLock { $0[host] } }
    var all: [String: String] { hosts.withLock { $0 } }
}

/// Which host each guest was last seen on.
final class NodeLocator: Sendable {
    private let hosts = Mutex<[String: String]>([:])

    func remember(_ guests: [GuestInfo]) {
        hosts.withLock { map in
            for guest in guests { if let host = guest.host { map[guest.name] = host } }
        }
    }

    func remember(_ node: String, host: String) { hosts.withLock { $0[node] = host } }
    func forget(_ node: String) { _ = hosts.withLock { $0.removeValue(forKey: node) } }
    func host(of node: String) -> String? { hosts.withLock { $0[node] } }
}

/// The image files hashed once per command, and each host's boot paths once it was checked.
final class HostImageCache: Sendable {
    private let state = Mutex<(prepared: HostImages?, boot: [String: DirectBoot?])>((nil, [:]))

    func prepared() -> HostImages? { state.withLock { $0.prepared } }
    func set(_ images: HostImages) { state.withLock { $0.prepared = images } }
    func boot(on host: String) -> DirectBoot?? { state.withLock { $0.boot[host] } }
    func set(boot: DirectBoot?, on host: String) { state.withLock { $0.boot[host] = boot } }
}
