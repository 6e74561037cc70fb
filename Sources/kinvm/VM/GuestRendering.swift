import Foundation
import Provisioner

/// How guests are printed: the `vm list` table (also printed by `vm create`), JSON and YAML.
enum GuestRendering {
    /// How many zero-timeout address lookups `-o wide` runs at once.
    static let addressLookups = 16

    /// Prints `guests` in `format`; `-o wide` looks up the addresses of running guests first.
    static func printList(
        _ guests: [GuestInfo], format: GuestOutputFormat, includeOwned: Bool, guests manager: GuestManager,
        now: Date = Date()
    ) async throws {
        switch format {
        case .json: print(try Rendering.json(guests))
        case .yaml: print(try Rendering.yaml(guests), terminator: "")
        case .text: print(table(guests, wide: false, includeOwned: includeOwned, now: now))
        case .wide:
            let withAddresses = await lookUpAddresses(guests, manager: manager)
            print(table(withAddresses, wide: true, includeOwned: includeOwned, now: now))
        }
    }

    static func table(_ guests: [GuestInfo], wide: Bool, includeOwned: Bool, now: Date) -> String {
        // Listed over several hosts: which host each guest lives on.
        let hosts = guests.contains { $0.host != nil }
        var header = ["NAME"] + (hosts ? ["HOST"] : []) + ["STATE", "VCPUS", "MEMORY", "CLUSTER", "ROLE", "AGE"]
        if wide {
            header += ["MAX-VCPUS", "MAX-MEMORY", "IMAGE", "NICS", "IP"] + (includeOwned ? ["OWNED"] : []) + ["UUID"]
        }
        let parser = ISO8601DateFormatter()
        let rows = guests.map { guest in
            var row = [guest.name] + (hosts ? [guest.host ?? "-"] : []) + [
                guest.state, "\(guest.vcpus)", Rendering.bytes(guest.memoryBytes), guest.cluster ?? "-",
                guest.role ?? "-", age(guest.created, now: now, parser: parser),
            ]
            if wide {
                row += [
                    "\(guest.maxVCPUs)", Rendering.bytes(guest.maxMemoryBytes), guest.image ?? "-",
                    guest.nics.isEmpty ? "-" : guest.nics.map { $0.network ?? $0.type }.joined(separator: ","),
                    firstAddress(guest.addresses) ?? "-",
                ]
                if includeOwned { row.append(guest.owned ? "yes" : "no") }
                row.append(guest.uuid)
            }
            return row
        }
        return Rendering.table(header, rows)
    }

    /// The first IPv4 address, else the first address.
    static func firstAddress(_ addresses: [GuestAddress]?) -> String? {
        guard let addresses else { return nil }
        return (addresses.first { $0.family == "ipv4" } ?? addresses.first)?.address
    }

    /// The guests with the addresses of the running ones filled in (zero-timeout lookups, at most
    /// ``addressLookups`` at a time); a failed lookup leaves them unknown.
    static func lookUpAddresses(_ guests: [GuestInfo], manager: GuestManager) async -> [GuestInfo] {
        let running = guests.filter { $0.state == "running" }.map(\.name)
        let found = await GuestBatch.run(running, limit: addressLookups) { name throws(ProvisionerError) in
            try await manager.addresses(name, timeout: .zero)
        }
        var byName: [String: [GuestAddress]] = [:]
        for (name, result) in zip(running, found) {
            if case .success(let addresses) = result { byName[name] = addresses }
        }
        return guests.map { guest in
            var guest = guest
            if let addresses = byName[guest.name] { guest.addresses = addresses }
            return guest
        }
    }

    /// How long ago an RFC 3339 time was, as kubectl shows it: `45s`, `12m`, `5h`, `3d`; `-` when unknown.
    static func age(_ created: String?, now: Date, parser: ISO8601DateFormatter = ISO8601DateFormatter()) -> String {
        guard let created, let date = parser.date(from: created) else { return "-" }
        return duration(max(0, Int(now.timeIntervalSince(date))))
    }

    /// Seconds as `45s`, `12m`, `5h`, `3d`.
    static func duration(_ seconds: Int) -> String {
        switch seconds {
        case ..<120: "\(seconds)s"
        case ..<(120 * 60): "\(seconds / 60)m"
        case ..<(48 * 3600): "\(seconds / 3600)h"
        default: "\(seconds / 86_400)d"
        }
    }
}
