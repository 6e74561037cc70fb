import Foundation
import Libvirt

/// What a host has and what kinvm guests hold there (`kinvm host list`, placement).
public struct HostSummary: Sendable, Codable {
    public var name: String
    public var uri: String
    /// Whether the host answered.
    public var reachable: Bool
    /// Why it did not, or why its figures could not be read.
    public var reason: String?
    /// The figures; nil when unreachable.
    public var capacity: HostCapacity?
    /// kinvm's guests there, by name.
    public var guests: [String]
    /// The clusters those guests belong to.
    public var clusters: [String]
}

/// Reads host figures through libvirt: `virNodeGetInfo`, `virNodeGetFreeMemory` and the ceilings
/// of the kinvm guests defined there.
public enum HostInventory {
    /// The capacity of one reachable host, and its kinvm guests (with ``GuestInfo/host`` set).
    public static func read(_ member: HostFleet.Member) async throws(ProvisionerError) -> (capacity: HostCapacity, guests: [GuestInfo]) {
        let connection = member.connection
        let info: NodeInfo
        do {
            info = try await connection.nodeInfo()
        } catch {
            throw .libvirt("cannot read the CPU and memory figures of host \(member.host.name) (\(member.host.uri))", error)
        }
        // Some drivers cannot tell free memory (libvirt's test driver with a host file, drivers
        // without NUMA cells); the total then stands for it, and the reservations still count.
        let free = (try? await connection.freeMemory()) ?? info.memoryKiB * 1024
        var guests = try await member.guests.list()
        for index in guests.indices { guests[index].host = member.host.name }
        let capacity = HostCapacity(
            name: member.host.name, cpus: info.cpus, memoryBytes: info.memoryKiB * 1024, freeMemoryBytes: free,
            limitVCPUs: member.host.capacity?.vcpus, limitMemoryBytes: member.host.capacity?.memory?.bytes,
            reservedVCPUs: guests.reduce(0) { $0 + $1.maxVCPUs }, reservedMemoryBytes: guests.reduce(0) { $0 + $1.maxMemoryBytes },
            kinvmGuests: guests.count)
        return (capacity, guests)
    }

    /// Every host of the fleet, reachable ones read in parallel, in the fleet's host order.
    public static func report(_ fleet: HostFleet) async -> [HostSummary] {
        let outcomes = await fleet.forEach { member throws(ProvisionerError) in try await read(member) }
        var reports: [String: HostSummary] = [:]
        for (host, outcome) in outcomes {
            let uri = fleet.member(named: host)?.host.uri ?? ""
            switch outcome {
            case .success(let (capacity, guests)):
                reports[host] = HostSummary(
                    name: host, uri: uri, reachable: true, reason: nil, capacity: capacity, guests: guests.map(\.name),
                    clusters: Array(Set(guests.compactMap(\.cluster))).sorted())
            case .failure(let error):
                reports[host] = HostSummary(
                    name: host, uri: uri, reachable: true, reason: error.description, capacity: nil, guests: [], clusters: [])
            }
        }
        for (host, reason) in fleet.unreachable {
            reports[host.name] = HostSummary(
                name: host.name, uri: host.uri, reachable: false, reason: reason, capacity: nil, guests: [], clusters: [])
        }
        return fleet.hosts.compactMap { reports[$0.name] }
    }
}
