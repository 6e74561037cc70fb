import ArgumentParser
import Provisioner

struct VMIP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ip",
        abstract: "Print a guest's first IPv4 address, waiting for one (guest agent, then DHCP leases).",
        discussion: "With --all: every address, one per line as ADDRESS/PREFIX IFACE SOURCE. Exit status 1 when none appears in time.")

    @Argument(help: "Guest name.")
    var name: String

    @Option(help: ArgumentHelp("How long to wait for an address.", valueName: "duration"))
    var timeout = DurationArgument(seconds: 120)

    @Flag(help: "Print every address, not only the first IPv4 one.")
    var all = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let (name, timeout) = (name, timeout.duration)
        let addresses = try await VMCommand.withGuests(connection) { guests in
            try await Interrupts.run(interruptedMessage: "interrupted") {
                try await guests.addresses(name, timeout: timeout)
            }
        }
        if all {
            guard !addresses.isEmpty else {
                Terminal.error("guest '\(name)' has no address")
                throw ExitCode.failure
            }
            for address in addresses { print("\(address.address)/\(address.prefix) \(address.interface) \(address.source.rawValue)") }
        } else if let first = addresses.first(where: { $0.family == "ipv4" }) {
            print(first.address)
        } else {
            let others = addresses.isEmpty ? "" : " (only \(addresses.map(\.address).joined(separator: ", ")); see --all)"
            Terminal.error("guest '\(name)' has no IPv4 address\(others)")
            throw ExitCode.failure
        }
    }
}
