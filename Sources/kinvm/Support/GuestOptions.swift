import ArgumentParser
import CloudInit
import DomainTemplates
import Foundation
import Provisioner

/// The options that describe the guests to create (image, template, sizes, NICs, keys, boot):
/// shared by `vm create` and `node add`.
struct GuestOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The base image: a volume, in --image-pool unless given as POOL/VOLUME.", valueName: "[pool/]volume"))
    var image: String

    @Option(help: "The storage pool of the base image (default: the pool the guests' volumes are made in).")
    var imagePool: String?

    @Option(help: "A template name (kinvm template list) or a domain XML file.")
    var template = "k8s-node"

    @Option(help: "vCPUs at start.")
    var vcpus: Int

    @Option(name: .customLong("max-vcpus"), help: "vCPU ceiling for live hot-plug (default: --vcpus).")
    var maxVCPUs: Int?

    @Option(help: "Memory at start: 512MiB, 2GiB, 2G (= GiB, as libvirt reads it) or bytes.")
    var memory: ByteSize

    @Option(help: "Memory ceiling for live ballooning (default: --memory).")
    var maxMemory: ByteSize?

    @Option(help: "Root disk size (default: the base image's size; never smaller).")
    var disk: ByteSize?

    @Option(
        name: .customLong("network"),
        help: ArgumentHelp(
            "A NIC on a libvirt network, or 'user' for QEMU user-mode networking (repeatable; default: one NIC on network 'default').",
            valueName: "name|user[,mac=MAC][,model=MODEL]"))
    var networks: [GuestNICArgument] = []

    @Option(name: .customLong("ssh-key"), help: ArgumentHelp("An SSH public key file for the default user (repeatable).", valueName: "file"))
    var sshKeys: [String] = []

    @Option(help: ArgumentHelp(
        "kvm, or qemu (TCG emulation) where KVM does not work (default: $KINVM_VIRT_TYPE, else kvm; kinvm doctor tells which boots).",
        valueName: "kvm|qemu"))
    var virtType: DomainSpec.VirtType?

    @Option(help: ArgumentHelp("Direct kernel boot: a kernel file on the hypervisor host.", valueName: "path"))
    var kernel: String?

    @Option(help: ArgumentHelp("Direct kernel boot: the initrd on the hypervisor host.", valueName: "path"))
    var initrd: String?

    @Option(help: "Direct kernel boot: the kernel command line.")
    var cmdline: String?

    @Option(help: ArgumentHelp("Directory on the hypervisor host for the serial console log (NAME-console.log).", valueName: "dir"))
    var consoleLogDir: String?

    /// The checks that need no file and no host: names, sizes, combinations.
    func validate(names: [String], storagePool: String) throws {
        guard Set(names).count == names.count else {
            throw ValidationError("a guest name is given twice: \(names.joined(separator: " "))")
        }
        for name in names {
            // The spec's own checks: a DNS label, vCPUs and memory within their ceilings.
            let spec = DomainSpec(
                name: name, vcpus: vcpus, maxVCPUs: maxVCPUs, memory: memory, maxMemory: maxMemory, nics: networks.map(\.nic))
            do {
                try spec.validate()
            } catch {
                throw ValidationError("\(error)")
            }
        }
        _ = try imageRef(storagePool: storagePool)
        _ = try resolvedVirtType()
        if kernel == nil, initrd != nil || cmdline != nil {
            throw ValidationError("--initrd and --cmdline need --kernel (direct kernel boot).")
        }
    }

    /// The public keys of every --ssh-key file (read now).
    func readSSHKeys() throws -> [String] {
        try sshKeys.flatMap { try VMCreateInputs.publicKeys(in: $0) }
    }

    /// The create request for one guest (files already read).
    func request(
        for name: String, storagePool: String, sshKeys: [String], userData: UserData?, metadata: KinvmMetadata,
        wait: GuestWaitCondition, waitTimeout: Duration
    ) throws -> GuestCreateRequest {
        var request = GuestCreateRequest(
            name: name, template: template, image: try imageRef(storagePool: storagePool), pool: storagePool,
            virtType: try resolvedVirtType(),
            vcpus: vcpus, maxVCPUs: maxVCPUs, memory: memory, maxMemory: maxMemory,
            diskSize: disk, nics: networks.isEmpty ? [NICSpec(network: "default")] : networks.map(\.nic),
            userData: userData, sshAuthorizedKeys: sshKeys,
            directBoot: kernel.map { DirectBoot(kernel: $0, initrd: initrd, cmdline: cmdline) },
            metadata: metadata, wait: wait, waitTimeout: waitTimeout)
        if let consoleLogDir { request.consoleLogDirectory = consoleLogDir }
        return request
    }

    /// `--image POOL/VOLUME`, or `--image VOLUME` in `--image-pool` (default: `storagePool`).
    func imageRef(storagePool: String) throws -> VolumeRef {
        let parts = image.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1 where !parts[0].isEmpty:
            return VolumeRef(pool: imagePool ?? storagePool, volume: parts[0])
        case 2 where !parts[0].isEmpty && !parts[1].isEmpty:
            if let imagePool, imagePool != parts[0] {
                throw ValidationError("--image '\(image)' names pool '\(parts[0])' but --image-pool is '\(imagePool)'.")
            }
            return VolumeRef(pool: parts[0], volume: parts[1])
        default:
            throw ValidationError("--image '\(image)' is not VOLUME or POOL/VOLUME.")
        }
    }

    /// `--virt-type`, else `$KINVM_VIRT_TYPE`, else kvm.
    func resolvedVirtType() throws -> DomainSpec.VirtType {
        if let virtType { return virtType }
        guard let value = ProcessInfo.processInfo.environment["KINVM_VIRT_TYPE"], !value.isEmpty else { return .kvm }
        guard let virtType = DomainSpec.VirtType(rawValue: value) else {
            throw ValidationError("KINVM_VIRT_TYPE='\(value)' is neither kvm nor qemu.")
        }
        return virtType
    }
}
