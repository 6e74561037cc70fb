import ArgumentParser
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

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await VMCommand.withGuests(connection) { guests in
            let list = try await guests.list(includeForeign: all)
            if list.isEmpty, output == .text || output == .wide {
                // As kubectl: nothing on stdout, a note on stderr.
                Terminal.progress(all ? "No domains found." : "No guests found (kinvm vm list --all also shows domains kinvm did not create).")
                return
            }
            try await GuestRendering.printList(list, format: output, includeOwned: all, guests: guests)
        }
    }
}
