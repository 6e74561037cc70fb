import CLibvirt

// Flag sets of the domain API, as OptionSets whose members name the C constants they stand for.

extension Domain {
    /// Flags for ``Domain/start(flags:)`` (`virDomainCreateFlags`).
    public struct StartFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_DOMAIN_START_PAUSED`: start with the vCPUs paused.
        public static let paused = StartFlags(rawValue: VIR_DOMAIN_START_PAUSED.rawValue)
        /// `VIR_DOMAIN_START_AUTODESTROY`: destroy the domain when the connection closes.
        public static let autoDestroy = StartFlags(rawValue: VIR_DOMAIN_START_AUTODESTROY.rawValue)
        /// `VIR_DOMAIN_START_FORCE_BOOT`: boot even if a managed save image exists.
        public static let forceBoot = StartFlags(rawValue: VIR_DOMAIN_START_FORCE_BOOT.rawValue)
        /// `VIR_DOMAIN_START_VALIDATE`: validate the XML against the schema (create-transient only).
        public static let validate = StartFlags(rawValue: VIR_DOMAIN_START_VALIDATE.rawValue)
    }

    /// Flags for ``Domain/shutdown(flags:)`` and ``Domain/reboot(flags:)``
    /// (`virDomainShutdownFlagValues`). Empty lets the hypervisor choose.
    public struct ShutdownFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN`: press the virtual ACPI power button.
        public static let acpiPowerButton = ShutdownFlags(rawValue: VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN.rawValue)
        /// `VIR_DOMAIN_SHUTDOWN_GUEST_AGENT`: ask the QEMU guest agent.
        public static let guestAgent = ShutdownFlags(rawValue: VIR_DOMAIN_SHUTDOWN_GUEST_AGENT.rawValue)
        /// `VIR_DOMAIN_SHUTDOWN_SIGNAL`: send a signal to the emulator process.
        public static let signal = ShutdownFlags(rawValue: VIR_DOMAIN_SHUTDOWN_SIGNAL.rawValue)
    }

    /// Flags for ``Domain/destroy(flags:)`` (`virDomainDestroyFlagsValues`).
    public struct DestroyFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_DOMAIN_DESTROY_GRACEFUL`: send SIGTERM only, never SIGKILL.
        public static let graceful = DestroyFlags(rawValue: VIR_DOMAIN_DESTROY_GRACEFUL.rawValue)
    }

    /// Flags for ``Domain/undefine(flags:)`` (`virDomainUndefineFlagsValues`).
    public struct UndefineFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_DOMAIN_UNDEFINE_MANAGED_SAVE`: also remove a managed save image.
        public static let managedSave = UndefineFlags(rawValue: VIR_DOMAIN_UNDEFINE_MANAGED_SAVE.rawValue)
        /// `VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA`: also remove snapshot metadata.
        public static let snapshotsMetadata = UndefineFlags(
            rawValue: VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA.rawValue)
        /// `VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA`: also remove checkpoint metadata.
        public static let checkpointsMetadata = UndefineFlags(
            rawValue: VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA.rawValue)
        /// `VIR_DOMAIN_UNDEFINE_NVRAM`: also remove the UEFI NVRAM file.
        public static let nvram = UndefineFlags(rawValue: VIR_DOMAIN_UNDEFINE_NVRAM.rawValue)
        /// `VIR_DOMAIN_UNDEFINE_KEEP_NVRAM`: keep the UEFI NVRAM file.
        public static let keepNVRAM = UndefineFlags(rawValue: VIR_DOMAIN_UNDEFINE_KEEP_NVRAM.rawValue)
        /// `VIR_DOMAIN_UNDEFINE_TPM`: also remove the TPM state.
        public static let tpm = UndefineFlags(rawValue: VIR_DOMAIN_UNDEFINE_TPM.rawValue)
    }

    /// Flags for ``Domain/xml(flags:)`` (`virDomainXMLFlags`).
    public struct XMLFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_DOMAIN_XML_SECURE`: include security-sensitive data such as passwords.
        public static let secure = XMLFlags(rawValue: VIR_DOMAIN_XML_SECURE.rawValue)
        /// `VIR_DOMAIN_XML_INACTIVE`: the persistent definition rather than the live one.
        public static let inactive = XMLFlags(rawValue: VIR_DOMAIN_XML_INACTIVE.rawValue)
        /// `VIR_DOMAIN_XML_UPDATE_CPU`: update the guest CPU from the host.
        public static let updateCPU = XMLFlags(rawValue: VIR_DOMAIN_XML_UPDATE_CPU.rawValue)
        /// `VIR_DOMAIN_XML_MIGRATABLE`: a form suitable for migration.
        public static let migratable = XMLFlags(rawValue: VIR_DOMAIN_XML_MIGRATABLE.rawValue)
    }

    /// Whether a change applies to the running guest, its persistent definition, or both
    /// (`virDomainModificationImpact`). Empty means `.current`.
    public struct Impact: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_DOMAIN_AFFECT_CURRENT`: the live guest if running, else the definition.
        public static let current: Impact = []
        /// `VIR_DOMAIN_AFFECT_LIVE`: the running guest.
        public static let live = Impact(rawValue: VIR_DOMAIN_AFFECT_LIVE.rawValue)
        /// `VIR_DOMAIN_AFFECT_CONFIG`: the persistent definition.
        public static let config = Impact(rawValue: VIR_DOMAIN_AFFECT_CONFIG.rawValue)
    }

    /// Flags for ``Domain/setVCPUs(_:flags:)`` and ``Domain/vcpuCount(flags:)`` (`virDomainVcpuFlags`).
    public struct VCPUFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_DOMAIN_VCPU_CURRENT`.
        public static let current: VCPUFlags = []
        /// `VIR_DOMAIN_VCPU_LIVE`: the running guest.
        public static let live = VCPUFlags(rawValue: VIR_DOMAIN_VCPU_LIVE.rawValue)
        /// `VIR_DOMAIN_VCPU_CONFIG`: the persistent definition.
        public static let config = VCPUFlags(rawValue: VIR_DOMAIN_VCPU_CONFIG.rawValue)
        /// `VIR_DOMAIN_VCPU_MAXIMUM`: the ceiling rather than the current count.
        public static let maximum = VCPUFlags(rawValue: VIR_DOMAIN_VCPU_MAXIMUM.rawValue)
        /// `VIR_DOMAIN_VCPU_GUEST`: on/offline vCPUs inside the guest, through the guest agent.
        public static let guest = VCPUFlags(rawValue: VIR_DOMAIN_VCPU_GUEST.rawValue)
        /// `VIR_DOMAIN_VCPU_HOTPLUGGABLE`: make added vCPUs hot-unpluggable.
        public static let hotpluggable = VCPUFlags(rawValue: VIR_DOMAIN_VCPU_HOTPLUGGABLE.rawValue)
    }

    /// Flags for ``Domain/setMemory(kibibytes:flags:)`` (`virDomainMemoryModFlags`).
    public struct MemoryFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_DOMAIN_MEM_CURRENT`.
        public static let current: MemoryFlags = []
        /// `VIR_DOMAIN_MEM_LIVE`: the running guest (the balloon).
        public static let live = MemoryFlags(rawValue: VIR_DOMAIN_MEM_LIVE.rawValue)
        /// `VIR_DOMAIN_MEM_CONFIG`: the persistent definition.
        public static let config = MemoryFlags(rawValue: VIR_DOMAIN_MEM_CONFIG.rawValue)
        /// `VIR_DOMAIN_MEM_MAXIMUM`: the ceiling rather than the current size.
        public static let maximum = MemoryFlags(rawValue: VIR_DOMAIN_MEM_MAXIMUM.rawValue)
    }
}

extension Connection {
    /// Flags for ``Connection/defineDomain(xml:flags:)`` (`virDomainDefineFlags`).
    public struct DefineFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `VIR_DOMAIN_DEFINE_VALIDATE`: validate the XML against libvirt's schema.
        public static let validate = DefineFlags(rawValue: VIR_DOMAIN_DEFINE_VALIDATE.rawValue)
    }

    /// Filters for ``Connection/allDomains(_:)`` (`virConnectListAllDomainsFlags`). Empty lists all.
    public struct DomainListFilter: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let active = DomainListFilter(rawValue: VIR_CONNECT_LIST_DOMAINS_ACTIVE.rawValue)
        public static let inactive = DomainListFilter(rawValue: VIR_CONNECT_LIST_DOMAINS_INACTIVE.rawValue)
        public static let persistent = DomainListFilter(rawValue: VIR_CONNECT_LIST_DOMAINS_PERSISTENT.rawValue)
        public static let transient = DomainListFilter(rawValue: VIR_CONNECT_LIST_DOMAINS_TRANSIENT.rawValue)
        public static let running = DomainListFilter(rawValue: VIR_CONNECT_LIST_DOMAINS_RUNNING.rawValue)
        public static let paused = DomainListFilter(rawValue: VIR_CONNECT_LIST_DOMAINS_PAUSED.rawValue)
        public static let shutoff = DomainListFilter(rawValue: VIR_CONNECT_LIST_DOMAINS_SHUTOFF.rawValue)
        public static let other = DomainListFilter(rawValue: VIR_CONNECT_LIST_DOMAINS_OTHER.rawValue)
        public static let autostart = DomainListFilter(rawValue: VIR_CONNECT_LIST_DOMAINS_AUTOSTART.rawValue)
        public static let noAutostart = DomainListFilter(rawValue: VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART.rawValue)
        public static let managedSave = DomainListFilter(rawValue: VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE.rawValue)
        public static let snapshot = DomainListFilter(rawValue: VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT.rawValue)
    }
}
