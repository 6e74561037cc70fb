import ArgumentParser
import Foundation
import Logging
import Provisioner

struct VMList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List kinvm's guests (with --all, every domain on the host).",
        discussion: """
            -o wide adds the ceilings, image, NICs, the first IP address of running guests (looked \
            up without waiting; '-' when unknown) and the UUID. -o json and -o yaml print the guests \
            with stable field names (addresses only with wide lookups, so never in json/yaml).
            """)

    @Flag(help: "Include domains kinvm did not create (OWNED column in -o wide).")
    var all = false

    @Option(name: [.customShort("o"), .long], help: "Output format: text, wide, json or yaml.")
    var output: GuestOutputFormat = .text

    @OptionGroup var fleet: FleetOptions

    func run() async throws {
        if fleet.hostsFile != nil, fleet.connect == nil { return try await runOverHosts() }
        try await VMCommand.withGuests(fleet.libvirt) { guests in
            let list = try await guests.list(includeForeign: all)
            if list.isEmpty, output == .text || output == .wide {
                // As kubectl: nothing on stdout, a note on stderr.
                Terminal.progress(all ? "No domains found." : "No guests found (kinvm vm list --all also shows domains kinvm did not create).")
                return
            }
            try await GuestRendering.printList(list, format: output, includeOwned: all, guests: guests)
        }
    }

    /// `--hosts FILE`: every host at once, with a HOST column; a host that does not answer is
    /// reported on stderr and the exit status is 1 (the others are listed).
    func runOverHosts() async throws {
        var logger = Logger(label: "kinvm.vm")
        logger.logLevel = .warning
        let hosts = try fleet.loadHosts()
        let open = try await fleet.open(hosts, logger: logger)
        let includeForeign = all
        var (list, failures) = await open.collect { member throws(ProvisionerError) -> [GuestInfo] in
            var guests = try await member.guests.list(includeForeign: includeForeign)
            if output == .wide { guests = await GuestRendering.lookUpAddresses(guests, manager: member.guests) }
            for index in guests.indices { guests[index].host = member.host.name }
            return guests
        }
        await open.close()
        for (host, error) in failures { Terminal.error("host \(host): \(error.description)") }
        let failed = !open.unreachable.isEmpty || !failures.isEmpty
        list.sort { ($0.name, $0.host ?? "") < ($1.name, $1.host ?? "") }
        switch output {
        case .json: print(try Rendering.json(list))
        case .yaml: print(try Rendering.yaml(list), terminator: "")
        case .text, .wide:
            if list.isEmpty { Terminal.progress("No guests found on \(hosts.count) hosts.") } else {
                print(GuestRendering.table(list, wide: output == .wide, includeOwned: all, now: Date()))
            }
        }
        if failed { throw ExitCode.failure }
    }
}
