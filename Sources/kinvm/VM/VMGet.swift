import ArgumentParser
import Foundation
import Provisioner

struct VMGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Show one guest (kinvm's or not): sizes, metadata, disks, NICs and known addresses.")

    @Argument(help: "Guest name.")
    var name: String

    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await VMCommand.withGuests(connection) { guests in
            var guest = try await guests.get(name)
            var addressNote: String?
            if guest.state == "running" {
                do {
                    guest.addresses = try await guests.addresses(name, timeout: .zero)
                } catch let error as ProvisionerError {
                    addressNote = "unknown (\(VMCommand.oneLine(error)))"
                }
            } else {
                addressNote = "- (not running)"
            }
            switch output.output {
            case .json: print(try Rendering.json(guest))
            case .yaml: print(try Rendering.yaml(guest), terminator: "")
            case .text: print(Self.describe(guest, addressNote: addressNote, now: Date()))
            }
        }
    }

    /// A `key: value` block, as `kubectl describe` prints.
    static func describe(_ guest: GuestInfo, addressNote: String?, now: Date) -> String {
        var fields: [(String, String)] = [
            ("Name", guest.name), ("UUID", guest.uuid), ("State", guest.state),
            ("Owned", guest.owned ? "yes (created by kinvm)" : "no (not created by kinvm)"),
            ("Virt type", guest.virtType), ("vCPUs", "\(guest.vcpus) (max \(guest.maxVCPUs))"),
            ("Memory", "\(Rendering.bytes(guest.memoryBytes)) (max \(Rendering.bytes(guest.maxMemoryBytes)))"),
        ]
        let optional: [(String, String?)] = [
            ("Cluster", guest.cluster), ("Role", guest.role), ("Node pool", guest.nodePool),
            ("Created", guest.created.map { "\($0) (\(GuestRendering.age($0, now: now)) ago)" }),
            ("TTL", guest.ttlSeconds.map { GuestRendering.duration($0) }), ("Image", guest.image),
            ("Template", guest.template), ("Console log", guest.consoleLog),
        ]
        fields += optional.compactMap { key, value in value.map { (key, $0) } }
        fields.append(("Disks", guest.disks.isEmpty ? "-" : guest.disks.joined(separator: ", ")))
        fields.append(("Managed volumes", guest.managedVolumes.isEmpty ? "-" : guest.managedVolumes.joined(separator: ", ")))
        let width = (fields.map(\.0.count) + ["Addresses", "NICs"].map(\.count)).max()! + 2
        func line(_ key: String, _ value: String) -> String {
            value.isEmpty ? key + ":" : (key + ":").padding(toLength: width, withPad: " ", startingAt: 0) + value
        }
        var lines = fields.map { line($0.0, $0.1) }
        lines.append(line("NICs", guest.nics.isEmpty ? "-" : ""))
        for nic in guest.nics {
            lines.append("  - \(nic.network.map { "network \($0)" } ?? nic.type), mac \(nic.mac ?? "-"), model \(nic.model)")
        }
        if let addresses = guest.addresses, !addresses.isEmpty {
            lines.append(line("Addresses", ""))
            lines += addresses.map { "  - \($0.address)/\($0.prefix) (\($0.interface), \($0.source.rawValue))" }
        } else {
            lines.append(line("Addresses", addressNote ?? "none known yet"))
        }
        return lines.joined(separator: "\n")
    }
}
