import ArgumentParser
import Foundation
import Provisioner

struct VMStop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Shut guests down (ACPI and guest agent), forcing them off after --timeout.",
        discussion: "Prints \"stopped web-1 (ACPI, 12.4 s)\", or \"(forced off after 60 s)\" when the guest did not shut down in time.")

    @Argument(help: "Guest names.")
    var names: [String]

    @Option(help: ArgumentHelp("How long a guest may take to shut down before it is forced off.", valueName: "duration"))
    var timeout = DurationArgument(seconds: 60)

    @Flag(help: "Also stop domains kinvm did not create.")
    var force = false

    @OptionGroup var parallel: ParallelOption
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let (names, timeout, force, limit) = (names, timeout.duration, force, parallel.parallel)
        let failed = try await VMCommand.withGuests(connection) { guests in
            let results = await GuestBatch.run(names, limit: limit) { name throws(ProvisionerError) in
                try await guests.stop(name, timeout: timeout, force: force)
            }
            var failed = false
            for (name, result) in zip(names, results) {
                switch result {
                case .success(let stop): print(Self.describe(stop))
                case .failure(let error):
                    failed = true
                    VMCommand.reportFailure(name, error)
                }
            }
            return failed
        }
        if failed { throw ExitCode.failure }
    }

    static func describe(_ stop: GuestStop) -> String {
        if stop.wasStopped { return "\(stop.name) was already stopped" }
        if stop.graceful { return "stopped \(stop.name) (ACPI, \(String(format: "%.1f", stop.seconds)) s)" }
        return "stopped \(stop.name) (forced off after \(String(format: "%.0f", stop.seconds)) s)"
    }
}
