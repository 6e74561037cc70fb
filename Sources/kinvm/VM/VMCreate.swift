import ArgumentParser
import DomainTemplates
import Foundation
import Provisioner

struct VMCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create guests: a qcow2 overlay on a base image, a cloud-init seed, a domain from a template.",
        discussion: """
            With several names the guests are created --parallel at a time; each one that fails is \
            rolled back and reported on stderr as "kinvm: NAME: message" (exit status 1), the others \
            are kept and printed. Files (--user-data, --ssh-key) are read before anything is created. \
            Ctrl-C cancels and rolls back the guests still being made, then exits 130.
            """)

    @Argument(help: "Guest names: DNS labels (each becomes the host name and Kubernetes node name).")
    var names: [String]

    @OptionGroup var guest: GuestOptions

    @Option(help: "The storage pool the root overlay and the seed are created in.")
    var pool = "default"

    @Option(help: ArgumentHelp("A user-data file used as is (cloud-config, script, …); default: kinvm's cloud-config.", valueName: "file"))
    var userData: String?

    @Option(help: "kinvm metadata: the cluster these guests belong to.")
    var cluster: String?

    @Option(help: "kinvm metadata: the guests' role, e.g. control-plane or worker.")
    var role: String?

    @Option(help: "kinvm metadata: the node pool.")
    var nodePool: String?

    @Option(help: ArgumentHelp("kinvm metadata: how long the guests may live (90s, 30m, 12h, 7d).", valueName: "duration"))
    var ttl: DurationArgument?

    @OptionGroup var wait: WaitOptions
    @OptionGroup var parallel: ParallelOption

    @Option(name: [.customShort("o"), .long], help: "Output format: text, wide, json or yaml.")
    var output: GuestOutputFormat = .text

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        try VMCreateInputs.validate(self)
    }

    func run() async throws {
        // Files are read before any libvirt call: a bad file leaves nothing behind.
        let inputs: VMCreateInputs
        do {
            inputs = try VMCreateInputs(self)
        } catch let error as VMCreateInputs.FileError {
            Terminal.error(error.message)
            throw ExitCode.failure
        }
        let requests = try names.map { try inputs.request(for: $0, command: self) }
        let limit = parallel.parallel
        let failed = try await VMCommand.withGuests(connection) { guests in
            let (result, interrupted) = await Interrupts.watching {
                await guests.createMany(requests, parallelism: limit, progress: GuestProgressPrinter.print)
            }
            let results = try result.get()
            var created: [GuestInfo] = []
            var failed = false
            for (name, outcome) in zip(names, results) {
                switch outcome {
                case .success(let guest): created.append(guest)
                case .failure(let error):
                    failed = true
                    if !(interrupted && error.code == .cancelled) { VMCommand.reportFailure(name, error) }
                }
            }
            if !created.isEmpty { try await GuestRendering.printList(created, format: output, includeOwned: false, guests: guests) }
            if interrupted, failed {
                Terminal.error("interrupted, rolled back")
                throw Interrupts.exitCode
            }
            return failed
        }
        if failed { throw ExitCode.failure }
    }
}
