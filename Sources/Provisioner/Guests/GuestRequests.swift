import CloudInit
import DomainTemplates

/// Everything `kinvm vm create` needs to make one guest.
public struct GuestCreateRequest: Sendable {
    /// The guest's name: a DNS label (host name, Kubernetes node name).
    public var name: String
    /// A template name from the template search path, or a path to a domain XML file.
    public var template: String
    /// The base image; the root disk is a qcow2 overlay on it.
    public var image: VolumeRef
    /// The pool the root overlay and the seed volume are created in.
    public var pool: String
    public var virtType: DomainSpec.VirtType
    public var vcpus: Int
    public var maxVCPUs: Int?
    public var memory: ByteSize
    public var maxMemory: ByteSize?
    /// The root disk's size (nil: the base image's size); never below the base image's.
    public var diskSize: ByteSize?
    /// The NICs; a NIC without a MAC gets one derived from the guest's name, so the seed's
    /// network-config can match it.
    public var nics: [NICSpec]
    /// The user-data; nil: a cloud-config kinvm writes (host name, SSH keys).
    public var userData: UserData?
    /// SSH public keys for the default user (added to a cloud-config user-data, kinvm's or the user's).
    public var sshAuthorizedKeys: [String]
    /// The network-config; nil: DHCP on every NIC, matched by MAC.
    public var networkConfig: NetworkConfig?
    /// Boot a kernel from the host instead of the image's boot loader.
    public var directBoot: DirectBoot?
    /// Directory on the hypervisor host for the serial console log (`NAME-console.log`).
    public var consoleLogDirectory: String
    /// Cluster, role, node pool, TTL (owner, created, image, template and volumes are filled in).
    public var metadata: KinvmMetadata
    /// How far to wait after starting.
    public var wait: GuestWaitCondition
    /// How long the wait may take.
    public var waitTimeout: Duration
    /// Extra raw disks made from files on this machine (e.g. an air-gap bundle), attached after the
    /// root disk and deleted with the guest.
    public var dataDisks: [DataDisk] = []

    public init(
        name: String, template: String, image: VolumeRef, pool: String, virtType: DomainSpec.VirtType = .kvm,
        vcpus: Int, maxVCPUs: Int? = nil, memory: ByteSize, maxMemory: ByteSize? = nil, diskSize: ByteSize? = nil,
        nics: [NICSpec] = [], userData: UserData? = nil, sshAuthorizedKeys: [String] = [],
        networkConfig: NetworkConfig? = nil, directBoot: DirectBoot? = nil,
        consoleLogDirectory: String = "/var/log/libvirt/qemu", metadata: KinvmMetadata = KinvmMetadata(),
        wait: GuestWaitCondition = .running, waitTimeout: Duration = .seconds(600)
    ) {
        self.name = name
        self.template = template
        self.image = image
        self.pool = pool
        self.virtType = virtType
        self.vcpus = vcpus
        self.maxVCPUs = maxVCPUs
        self.memory = memory
        self.maxMemory = maxMemory
        self.diskSize = diskSize
        self.nics = nics
        self.userData = userData
        self.sshAuthorizedKeys = sshAuthorizedKeys
        self.networkConfig = networkConfig
        self.directBoot = directBoot
        self.consoleLogDirectory = consoleLogDirectory
        self.metadata = metadata
        self.wait = wait
        self.waitTimeout = waitTimeout
    }
}

/// A raw data disk whose contents are a local file, uploaded into volume `GUEST-SUFFIX`.
public struct DataDisk: Sendable, Hashable {
    /// The volume name's suffix (`airgap.tar` makes `NAME-airgap.tar`).
    public var suffix: String
    /// The file on this machine whose bytes the disk holds (the volume is rounded up to 512 bytes).
    public var file: String
    /// The guest finds the disk as /dev/disk/by-id/virtio-SERIAL.
    public var serial: String?
    public var readOnly: Bool

    public init(suffix: String, file: String, serial: String? = nil, readOnly: Bool = true) {
        self.suffix = suffix
        self.file = file
        self.serial = serial
        self.readOnly = readOnly
    }
}

/// How far `create`/`start` wait.
public enum GuestWaitCondition: String, Sendable, Hashable, Codable, CaseIterable {
    /// Return once defined (not started).
    case none
    /// The domain is running.
    case running
    /// The guest agent answers `guest-ping`.
    case agent
    /// cloud-init reports `done` (an `error` status fails the wait with cloud-init's errors).
    case cloudInit = "cloud-init"
}

/// A step of a long operation, for progress output.
public struct GuestProgress: Sendable, Hashable {
    public var guest: String
    /// What is being done, e.g. "uploading seed", "waiting for cloud-init".
    public var step: String
    /// Seconds since the operation started.
    public var elapsedSeconds: Double

    public init(guest: String, step: String, elapsedSeconds: Double) {
        self.guest = guest
        self.step = step
        self.elapsedSeconds = elapsedSeconds
    }
}

/// What `delete` removed and kept.
public struct GuestDeletion: Sendable, Hashable, Codable {
    public var name: String
    public var uuid: String
    /// The guest was running and was destroyed.
    public var wasRunning: Bool
    /// Volumes deleted (`pool/volume`).
    public var deletedVolumes: [String]
    /// Volumes the domain used but kinvm did not create, left in place (`pool/volume`).
    public var keptVolumes: [String]
    /// The serial console log file, deleted when the connection is local; nil when there was none.
    public var consoleLog: String?
    public var consoleLogDeleted: Bool

    public init(
        name: String, uuid: String, wasRunning: Bool, deletedVolumes: [String], keptVolumes: [String],
        consoleLog: String? = nil, consoleLogDeleted: Bool = false
    ) {
        self.name = name
        self.uuid = uuid
        self.wasRunning = wasRunning
        self.deletedVolumes = deletedVolumes
        self.keptVolumes = keptVolumes
        self.consoleLog = consoleLog
        self.consoleLogDeleted = consoleLogDeleted
    }
}

/// How `stop` ended.
public struct GuestStop: Sendable, Hashable, Codable {
    public var name: String
    /// The guest shut down on its own (ACPI or agent) before the timeout.
    public var graceful: Bool
    /// It was already shut off.
    public var wasStopped: Bool
    public var seconds: Double

    public init(name: String, graceful: Bool, wasStopped: Bool, seconds: Double) {
        self.name = name
        self.graceful = graceful
        self.wasStopped = wasStopped
        self.seconds = seconds
    }
}

/// The result of a command run in the guest through the agent.
public struct GuestExecResult: Sendable, Hashable, Codable {
    public var exitCode: Int
    /// Set when the process was killed by a signal.
    public var signal: Int?
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    /// The agent truncated the output (it keeps at most 16 MiB).
    public var truncated: Bool

    public init(exitCode: Int, signal: Int? = nil, stdout: [UInt8], stderr: [UInt8], truncated: Bool = false) {
        self.exitCode = exitCode
        self.signal = signal
        self.stdout = stdout
        self.stderr = stderr
        self.truncated = truncated
    }

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// `vm resize`: the sizes wanted and how they may be applied.
public struct ResizeRequest: Sendable, Hashable {
    public var vcpus: Int?
    public var memory: ByteSize?
    public var mode: ResizeMode
    /// How long to wait for the guest to show the change, and for a graceful stop (restart mode).
    public var timeout: Duration
    /// Hot-plug vCPUs into a TCG guest (`type='qemu'`) anyway. QEMU can abort such a guest when a
    /// vCPU is added (see ``ResizePlan``); without this, adding vCPUs to a running TCG guest needs a
    /// restart. The risk is small right after the guest booted, and grows as it runs.
    public var tcgHotplug: Bool

    public init(
        vcpus: Int? = nil, memory: ByteSize? = nil, mode: ResizeMode = .auto, timeout: Duration = .seconds(120),
        tcgHotplug: Bool = false
    ) {
        self.vcpus = vcpus
        self.memory = memory
        self.mode = mode
        self.timeout = timeout
        self.tcgHotplug = tcgHotplug
    }
}

public enum ResizeMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Running guest: live (and saved in the config); refused with advice where live is impossible.
    /// Stopped guest: the config.
    case auto
    /// Live only (also saved in the config), verified in the guest; refused where impossible.
    case live
    /// The persistent config only: takes effect at the next start.
    case config
    /// Live where possible, otherwise graceful stop, config change (ceilings raised if needed), start.
    case restart
}

/// A guest's sizes at one moment.
public struct GuestSizes: Sendable, Hashable, Codable {
    public var vcpus: Int
    public var maxVCPUs: Int
    public var memoryBytes: UInt64
    public var maxMemoryBytes: UInt64
    /// CPUs online inside the guest (agent), when known.
    public var guestOnlineCPUs: Int?
    /// MemTotal inside the guest (agent), in bytes, when known.
    public var guestMemTotalBytes: UInt64?

    public init(
        vcpus: Int, maxVCPUs: Int, memoryBytes: UInt64, maxMemoryBytes: UInt64, guestOnlineCPUs: Int? = nil,
        guestMemTotalBytes: UInt64? = nil
    ) {
        self.vcpus = vcpus
        self.maxVCPUs = maxVCPUs
        self.memoryBytes = memoryBytes
        self.maxMemoryBytes = maxMemoryBytes
        self.guestOnlineCPUs = guestOnlineCPUs
        self.guestMemTotalBytes = guestMemTotalBytes
    }
}

/// What `resize` did.
public struct ResizeOutcome: Sendable, Hashable, Codable {
    public var name: String
    public var before: GuestSizes
    public var after: GuestSizes
    /// What was done, in order, e.g. "vCPUs 2 -> 4 live", "stopped (ACPI, 31 s)".
    public var steps: [String]
    /// The guest was stopped and started again.
    public var restarted: Bool
    /// Every live change was seen inside the guest through the agent.
    public var verifiedInGuest: Bool
    /// Changes saved only in the config, applied at the next start.
    public var pendingUntilRestart: Bool

    public init(
        name: String, before: GuestSizes, after: GuestSizes, steps: [String], restarted: Bool, verifiedInGuest: Bool,
        pendingUntilRestart: Bool
    ) {
        self.name = name
        self.before = before
        self.after = after
        self.steps = steps
        self.restarted = restarted
        self.verifiedInGuest = verifiedInGuest
        self.pendingUntilRestart = pendingUntilRestart
    }
}
