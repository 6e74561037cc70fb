import ArgumentParser
import DomainTemplates
import Provisioner

struct VMResize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resize",
        abstract: "Change a guest's vCPUs and memory: live where possible, else as --config or --restart allow.",
        discussion: """
            Without a mode flag a running guest is resized live (and the change saved in its \
            config), and refused with advice where live is impossible (e.g. above the ceilings, or \
            removing vCPUs); a stopped guest's config is changed. --live: live only, verified in the \
            guest. --config: the config only, applied at the next start. --restart: live where \
            possible, otherwise a graceful stop, the config change and a start. Ctrl-C cancels and \
            exits 130. TCG guests (--virt-type qemu) get no live vCPU hot-plug unless --tcg-hotplug \
            is given: QEMU can abort a TCG guest when a vCPU is added; memory stays live.
            """)

    /// How the change may be applied.
    enum Mode: String, EnumerableFlag {
        case live, config, restart

        static func help(for value: Mode) -> ArgumentHelp? {
            switch value {
            case .live: "Live only (also saved in the config); refused where impossible."
            case .config: "Only the persistent config: applies at the next start."
            case .restart: "Live where possible, otherwise stop gracefully, change the config and start."
            }
        }
    }

    @Argument(help: "Guest name.")
    var name: String

    @Option(help: "vCPUs wanted.")
    var vcpus: Int?

    @Option(help: "Memory wanted: 512MiB, 4GiB, 4G or bytes.")
    var memory: ByteSize?

    @Flag var mode: Mode?

    @Option(help: ArgumentHelp("How long to wait for the guest to show the change, or to shut down (--restart).", valueName: "duration"))
    var timeout = DurationArgument(seconds: 120)

    @Flag(help: "Also resize a domain kinvm did not create.")
    var force = false

    @Flag(help: "Hot-plug vCPUs into a TCG guest anyway (QEMU can abort it; the risk grows the longer it has run).")
    var tcgHotplug = false

    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard vcpus != nil || memory != nil else { throw ValidationError("give --vcpus, --memory or both.") }
        if let vcpus, vcpus < 1 { throw ValidationError("--vcpus '\(vcpus)': a guest needs at least 1 vCPU.") }
        if let memory, memory < .mebibytes(1) { throw ValidationError("--memory '\(memory)': a guest needs at least 1MiB.") }
    }

    func run() async throws {
        let request = ResizeRequest(
            vcpus: vcpus, memory: memory, mode: mode.map { ResizeMode(rawValue: $0.rawValue)! } ?? .auto,
            timeout: timeout.duration, tcgHotplug: tcgHotplug)
        let (name, force) = (name, force)
        let outcome = try await VMCommand.withGuests(connection) { guests in
            try await Interrupts.run {
                try await guests.resize(name, request, force: force, progress: GuestProgressPrinter.print)
            }
        }
        switch output.output {
        case .json: print(try Rendering.json(outcome))
        case .yaml: print(try Rendering.yaml(outcome), terminator: "")
        case .text: print(Self.describe(outcome))
        }
    }

    static func describe(_ outcome: ResizeOutcome) -> String {
        let (before, after) = (outcome.before, outcome.after)
        var lines = ["resized \(outcome.name)" + (outcome.restarted ? " (restarted)" : "")]
        lines += outcome.steps.map { "  \($0)" }
        lines.append(
            "vCPUs:  \(before.vcpus) -> \(after.vcpus) (max \(after.maxVCPUs))"
                + seen(before.guestOnlineCPUs.map(String.init), after.guestOnlineCPUs.map(String.init), "online"))
        lines.append(
            "memory: \(Rendering.bytes(before.memoryBytes)) -> \(Rendering.bytes(after.memoryBytes)) (max \(Rendering.bytes(after.maxMemoryBytes)))"
                + seen(before.guestMemTotalBytes.map(Rendering.bytes), after.guestMemTotalBytes.map(Rendering.bytes), "MemTotal"))
        if outcome.pendingUntilRestart { lines.append("(saved in the config; applies at next start)") }
        return lines.joined(separator: "\n")
    }

    /// `; guest sees 2 -> 4 online`, when the agent told.
    private static func seen(_ before: String?, _ after: String?, _ what: String) -> String {
        switch (before, after) {
        case let (before?, after?): "; guest sees \(what) \(before) -> \(after)"
        case let (nil, after?): "; guest sees \(what) \(after)"
        default: ""
        }
    }
}
