import ArgumentParser
import DomainTemplates
import Foundation
import Provisioner

extension GuestWaitCondition: ExpressibleByArgument {}

/// `NETWORK[,mac=MAC][,model=MODEL]`, or `user[,mac=MAC][,model=MODEL]` for QEMU user-mode networking.
struct GuestNICArgument: ExpressibleByArgument {
    var nic: NICSpec

    init?(argument: String) {
        guard let parsed = NICArgument(argument: argument) else { return nil }
        nic = parsed.nic.network == "user" ? .user(mac: parsed.nic.mac, model: parsed.nic.model) : parsed.nic
    }

    static var defaultValueDescription: String { "default" }
}

/// `-o` for commands that print guests.
enum GuestOutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text, wide, json, yaml
}

/// `--wait` and `--timeout`, shared by `vm create` and `vm start`.
struct WaitOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "How far to wait after starting: none (create only: define, do not start), running, agent (the guest agent answers) or cloud-init (cloud-init done).",
        valueName: "condition"))
    var wait: GuestWaitCondition = .running

    @Option(help: ArgumentHelp("How long the wait may take (90s, 10m, 1h).", valueName: "duration"))
    var timeout: DurationArgument = DurationArgument(seconds: 600)
}

extension DurationArgument {
    init(seconds: Int) {
        self.seconds = seconds
    }

    var duration: Duration { .seconds(seconds) }

    /// How `--help` shows a default.
    var defaultValueDescription: String { text }

    /// `90s`, `10m`, `2h`, as given on the command line.
    var text: String {
        if seconds > 0, seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds > 0, seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}

/// `--parallel`, for commands that act on several guests at once.
struct ParallelOption: ParsableArguments {
    @Option(help: "How many guests to work on at the same time.")
    var parallel = 4

    func validate() throws {
        guard parallel >= 1 else { throw ValidationError("--parallel must be at least 1.") }
    }
}

/// Draws guest progress on stderr: `[  12.3s] web-1: uploading seed`.
enum GuestProgressPrinter {
    static func print(_ progress: GuestProgress) {
        Terminal.progress("[\(String(format: "%6.1f", progress.elapsedSeconds))s] \(progress.guest): \(progress.step)")
    }
}

/// Runs work for several guests, at most `limit` at a time; results in the order of `names`.
enum GuestBatch {
    static func run<T: Sendable>(
        _ names: [String], limit: Int, _ body: @escaping @Sendable (String) async throws(ProvisionerError) -> T
    ) async -> [Result<T, ProvisionerError>] {
        await FanOut.map(names, limit: limit, body)
    }
}
