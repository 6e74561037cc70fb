/// What kinvm sets on a domain template: the fields it owns. Everything else in a template is
/// the user's and is kept exactly as written.
public struct DomainSpec: Sendable, Hashable, Codable {
    /// The domain's name; also the guest's host name and Kubernetes node name, so it must be a
    /// DNS label (see ``DomainSpec/validate()``).
    public var name: String
    /// The domain's UUID (canonical lower-case form); nil keeps the template's, or lets libvirt pick.
    public var uuid: String?
    public var virtType: VirtType
    public var vcpus: Int
    /// The vCPU ceiling for live hot-plug; nil means the same as `vcpus`.
    public var maxVCPUs: Int?
    public var memory: ByteSize
    /// The memory ceiling for live ballooning; nil means the same as `memory`.
    public var maxMemory: ByteSize?
    /// Disks kinvm manages, in order: the root disk first. Each replaces the template disk with
    /// the matching role alias, or is added after the last managed disk.
    public var disks: [DiskSpec]
    /// The NoCloud seed disk, or nil to remove the template's seed disk.
    public var seed: VolumeRef?
    public var nics: [NICSpec]
    /// Where the first serial console logs to; nil keeps the template's setting.
    public var consoleLog: String?
    /// Boot a kernel and initrd from files on the hypervisor host instead of the disk's boot
    /// loader (images without one, like the test image); nil keeps the template's `<os>`.
    public var directBoot: DirectBoot?
    /// kinvm's metadata, or nil to leave none.
    public var metadata: KinvmMetadata?

    public init(
        name: String, uuid: String? = nil, virtType: VirtType = .kvm, vcpus: Int, maxVCPUs: Int? = nil,
        memory: ByteSize, maxMemory: ByteSize? = nil, disks: [DiskSpec] = [], seed: VolumeRef? = nil,
        nics: [NICSpec] = [], consoleLog: String? = nil, directBoot: DirectBoot? = nil, metadata: KinvmMetadata? = nil
    ) {
        self.name = name
        self.uuid = uuid
        self.virtType = virtType
        self.vcpus = vcpus
        self.maxVCPUs = maxVCPUs
        self.memory = memory
        self.maxMemory = maxMemory
        self.disks = disks
        self.seed = seed
        self.nics = nics
        self.consoleLog = consoleLog
        self.directBoot = directBoot
        self.metadata = metadata
    }

    /// The hypervisor: `kvm` on real lab hosts, `qemu` (TCG) where KVM does not work.
    public enum VirtType: String, Sendable, Hashable, Codable, CaseIterable {
        case kvm, qemu
    }

    public var effectiveMaxVCPUs: Int { maxVCPUs ?? vcpus }
    public var effectiveMaxMemory: ByteSize { maxMemory ?? memory }
}

/// A storage volume, by pool and name, so that a spec means the same on a remote host.
public struct VolumeRef: Sendable, Hashable, Codable, CustomStringConvertible {
    public var pool: String
    public var volume: String

    public init(pool: String, volume: String) {
        self.pool = pool
        self.volume = volume
    }

    public var description: String { "\(pool)/\(volume)" }
}

/// A disk kinvm manages.
public struct DiskSpec: Sendable, Hashable, Codable {
    public var volume: VolumeRef
    /// The image format libvirt should read it as: `qcow2` or `raw`.
    public var format: String

    /// The disk's serial number (`<serial>`): a guest finds the disk as
    /// /dev/disk/by-id/virtio-SERIAL. Data disks only; nil leaves none.
    public var serial: String?
    /// Attached read-only (`<readonly/>`). Data disks only.
    public var readOnly: Bool

    public init(volume: VolumeRef, format: String = "qcow2", serial: String? = nil, readOnly: Bool = false) {
        self.volume = volume
        self.format = format
        self.serial = serial
        self.readOnly = readOnly
    }
}

/// A network interface kinvm manages.
public struct NICSpec: Sendable, Hashable, Codable {
    /// How the NIC is connected.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// `<interface type='network'>`: joins the libvirt network ``NICSpec/network``.
        case network
        /// `<interface type='user'>`: QEMU user-mode networking (outbound NAT inside QEMU, no
        /// bridge, no root); the guest reaches the host's loopback as 10.0.2.2.
        case user
    }

    public var kind: Kind
    /// The libvirt network it joins (empty for ``Kind/user``).
    public var network: String
    /// Its MAC address (lower-case, colon-separated); nil lets libvirt pick one.
    public var mac: String?
    /// The device model, e.g. `virtio`.
    public var model: String

    public init(network: String, mac: String? = nil, model: String = "virtio") {
        self.kind = .network
        self.network = network
        self.mac = mac
        self.model = model
    }

    /// A QEMU user-mode NIC.
    public static func user(mac: String? = nil, model: String = "virtio") -> NICSpec {
        var nic = NICSpec(network: "", mac: mac, model: model)
        nic.kind = .user
        return nic
    }

    /// `user`, or the network's name.
    public var displayName: String { kind == .user ? "user" : network }
}

/// Direct kernel boot: files on the hypervisor host (`<os><kernel>`, `<initrd>`, `<cmdline>`).
public struct DirectBoot: Sendable, Hashable, Codable {
    public var kernel: String
    public var initrd: String?
    public var cmdline: String?

    public init(kernel: String, initrd: String? = nil, cmdline: String? = nil) {
        self.kernel = kernel
        self.initrd = initrd
        self.cmdline = cmdline
    }
}
