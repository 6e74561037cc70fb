import ArgumentParser
import DomainTemplates
import Foundation
import Provisioner

struct NodeResize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resize",
        abstract: "Change a node's vCPUs and memory, live where possible, keeping the Node's capacity true.",
        discussion: """
            Live when every change fits the guest's ceilings (more vCPUs up to --max-vcpus, memory \
            up to --max-memory): the guest is resized and checked inside, then the kubelet (k3s \
            agent) is restarted through the guest agent and kinvm waits until the Node reports the \
            new capacity. Otherwise (fewer vCPUs, or above a ceiling) the node is cordoned, drained \
            (like kubectl drain), stopped gracefully, changed, started, and uncordoned once it is \
            Ready with the new capacity; --no-restart refuses that instead. Adding vCPUs to a TCG \
            guest (--virt-type qemu) takes the restart path too unless --tcg-hotplug is given, as \
            QEMU can abort a TCG guest when a vCPU is hot-plugged.

            With --hosts FILE (or $KINVM_HOSTS) the guest is looked for on every host in the file.
            """)

    @Argument(help: "The node (guest) name.")
    var name: String

    @Option(help: "vCPUs.")
    var vcpus: Int?

    @Option(help: "Memory: 512MiB, 2GiB, 2G (= GiB) or bytes.")
    var memory: ByteSize?

    @Flag(help: "Fail instead of draining and restarting the node when a live resize is not possible.")
    var noRestart = false

    @Flag(help: "Hot-plug vCPUs into a TCG guest anyway (QEMU can abort it; the risk grows the longer it has run).")
    var tcgHotplug = false

    @OptionGroup var drain: NodeDrainOptions

    @Option(help: ArgumentHelp("How long the node may take to be Ready with the new capacity.", valueName: "duration"))
    var timeout: DurationArgument = DurationArgument(seconds: 600)

    @Option(name: [.customShort("o"), .long], help: "Output format: text, json or yaml.")
    var output: GuestOutputFormat = .text

    @OptionGroup var kube: KubeOptions
    @OptionGroup var fleet: FleetOptions

    func validate() throws {
        guard vcpus != nil || memory != nil else { throw ValidationError("give --vcpus, --memory or both.") }
        if let vcpus, vcpus < 1 { throw ValidationError("--vcpus must be at least 1.") }
    }

    func run() async throws {
        let progress = NodeCommand.progressPrinter()
        let request = ResizeRequest(vcpus: vcpus, memory: memory, mode: .auto, timeout: .seconds(180), tcgHotplug: tcgHotplug)
        let result = try await NodeCommand.withNodes(named: [name], fleet, kube) { managers in
            let nodes = managers[name]!
            let (outcome, interrupted) = await Interrupts.watching {
                try await nodes.resize(
                    name, request, drain: drain.options, drainTimeout: drain.drainTimeout.duration, readyTimeout: timeout.duration,
                    allowRestart: !noRestart, progress: progress)
            }
            if interrupted { throw Interrupts.exitCode }
            return try outcome.get()
        }
        switch output {
        case .json: print(try Rendering.json(result))
        case .yaml: print(try Rendering.yaml(result), terminator: "")
        case .text, .wide:
            let after = result.resize.after
            var line = "\(result.name) resized \(result.method == "live" ? "live" : result.method == "restart" ? "by a restart" : "(nothing to change)"): "
            line += "\(after.vcpus) vCPUs, \(Rendering.bytes(after.memoryBytes))"
            if let capacity = result.capacity {
                line += "; Node reports cpu \(capacity.cpu ?? "?"), memory \(capacity.memoryBytes.map { Rendering.bytes(UInt64($0)) } ?? "?")"
            }
            if let drain = result.drain { line += "; drained \(drain.evicted.count) pods" }
            print(line + String(format: " (%.1fs)", result.seconds))
        }
    }
}
