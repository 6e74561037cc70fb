import ArgumentParser
import DomainTemplates
import Foundation

/// The options that make a domain spec: shared by every command that renders or creates guests.
struct DomainSpecOptions: ParsableArguments {
    @Option(help: "Guest name: a DNS label (it becomes the host name and Kubernetes node name).")
    var name: String

    @Option(help: "Domain UUID (default: a new random one).")
    var uuid: String?

    @Option(help: "kvm, or qemu (TCG emulation) where KVM does not work; kinvm doctor tells which boots.")
    var virtType: DomainSpec.VirtType = .kvm

    @Option(help: "vCPUs at start.")
    var vcpus: Int

    @Option(name: .customLong("max-vcpus"), help: "vCPU ceiling for live hot-plug (default: --vcpus).")
    var maxVCPUs: Int?

    @Option(help: "Memory at start: 512MiB, 2GiB, 2G (= GiB, as libvirt reads it) or bytes.")
    var memory: ByteSize

    @Option(help: "Memory ceiling for live ballooning (default: --memory).")
    var maxMemory: ByteSize?

    @Option(name: .customLong("disk"), help: ArgumentHelp("A disk volume; the first is the root disk (repeatable).", valueName: "pool/volume[:format]"))
    var disks: [DiskArgument] = []

    @Option(help: ArgumentHelp("The cloud-init seed volume.", valueName: "pool/volume"))
    var seed: DiskArgument?

    @Option(name: .customLong("nic"), help: ArgumentHelp("A NIC (repeatable).", valueName: "network[,mac=MAC][,model=MODEL]"))
    var nics: [NICArgument] = []

    @Option(help: "File the serial console is logged to.")
    var consoleLog: String?

    @Option(help: "kinvm metadata: the cluster this guest belongs to.")
    var cluster: String?

    @Option(help: "kinvm metadata: the guest's role, e.g. control-plane or worker.")
    var role: String?

    @Option(help: "kinvm metadata: the node pool.")
    var nodePool: String?

    @Option(help: ArgumentHelp("kinvm metadata: how long the guest may live (90s, 30m, 12h, 7d).", valueName: "duration"))
    var ttl: DurationArgument?

    @Option(help: .hidden)
    var created: String?

    /// The spec these options describe, validated.
    func spec(now: Date = Date()) throws -> DomainSpec {
        let spec = DomainSpec(
            name: name, uuid: uuid ?? UUID().uuidString.lowercased(), virtType: virtType, vcpus: vcpus,
            maxVCPUs: maxVCPUs, memory: memory, maxMemory: maxMemory, disks: disks.map(\.disk),
            seed: seed?.disk.volume, nics: nics.map(\.nic), consoleLog: consoleLog,
            metadata: KinvmMetadata(
                cluster: cluster, role: role, pool: nodePool,
                created: created ?? ISO8601DateFormatter().string(from: now),
                ttlSeconds: ttl?.seconds))
        do {
            try spec.validate()
        } catch {
            throw ValidationError("\(error)")
        }
        return spec
    }
}
