import ArgumentParser
import Provisioner

struct VMStart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start stopped guests and wait until they are running (or as --wait says).",
        discussion: """
            Each guest that fails is reported on stderr as "kinvm: NAME: message" (exit status 1); \
            the others are started. Ctrl-C cancels the waits and exits 130.
            """)

    @Argument(help: "Guest names.")
    var names: [String]

    @OptionGroup var wait: WaitOptions
    @OptionGroup var parallel: ParallelOption
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard wait.wait != .none else { throw ValidationError("--wait none means nothing to do: use running, agent or cloud-init.") }
    }

    func run() async throws {
        let (names, condition, timeout, limit) = (names, wait.wait, wait.timeout.duration, parallel.parallel)
        let failed = try await VMCommand.withGuests(connection) { guests in
            let (outcome, interrupted) = await Interrupts.watching {
                await GuestBatch.run(names, limit: limit) { name throws(ProvisionerError) in
                    try await guests.start(name, wait: condition, timeout: timeout, progress: GuestProgressPrinter.print)
                }
            }
            var failed = false
            for (name, result) in zip(names, try outcome.get()) {
                switch result {
                case .success(let guest): print("started \(name) (\(guest.state), waited for \(condition.rawValue))")
                case .failure(let error) where interrupted && error.code == .cancelled:
                    failed = true
                case .failure(let error):
                    failed = true
                    VMCommand.reportFailure(name, error)
                }
            }
            if interrupted, failed {
                Terminal.error("interrupted (guests already started keep running)")
                throw Interrupts.exitCode
            }
            return failed
        }
        if failed { throw ExitCode.failure }
    }
}
