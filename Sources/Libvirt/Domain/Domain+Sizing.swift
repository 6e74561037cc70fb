import CLibvirt

extension Domain {
    /// Sets the number of vCPUs (`virDomainSetVcpusFlags`).
    ///
    /// With `.live` on a running guest this hot-plugs vCPUs (up to the ceiling set with
    /// `.maximum`/`.config`); with `.guest` it only on/offlines vCPUs inside the guest through the
    /// QEMU guest agent. Hot-unplug is unreliable on many guests: read the count back to verify.
    public func setVCPUs(_ count: UInt32, flags: VCPUFlags = .current) async throws(LibvirtError) {
        try await callStatus("virDomainSetVcpusFlags") { virDomainSetVcpusFlags($0, count, flags.rawValue) }
    }

    /// The number of vCPUs: current or (with `.maximum`) the ceiling, live or config, or as the
    /// guest agent sees them with `.guest` (`virDomainGetVcpusFlags`).
    public func vcpuCount(flags: VCPUFlags = .current) async throws(LibvirtError) -> Int {
        try await call("virDomainGetVcpusFlags") { handle in
            checkStatus(virDomainGetVcpusFlags(handle, flags.rawValue), "virDomainGetVcpusFlags").map(Int.init)
        }
    }

    /// Sets the guest's memory in KiB (`virDomainSetMemoryFlags`). With `.live` this inflates or
    /// deflates the balloon; with `.maximum` it changes the ceiling (config only).
    public func setMemory(kibibytes: UInt64, flags: MemoryFlags = .current) async throws(LibvirtError) {
        try await callStatus("virDomainSetMemoryFlags") {
            virDomainSetMemoryFlags($0, UInt(kibibytes), flags.rawValue)
        }
    }

    /// Sets the memory ceiling in KiB (`virDomainSetMaxMemory`); most hypervisors allow this only
    /// while the domain is shut off.
    public func setMaxMemory(kibibytes: UInt64) async throws(LibvirtError) {
        try await callStatus("virDomainSetMaxMemory") { virDomainSetMaxMemory($0, UInt(kibibytes)) }
    }

    /// The memory ceiling in KiB (`virDomainGetMaxMemory`).
    public func maxMemory() async throws(LibvirtError) -> UInt64 {
        try await call("virDomainGetMaxMemory") { handle in
            let value = virDomainGetMaxMemory(handle)
            return value == 0 ? .failure(.capture(operation: "virDomainGetMaxMemory")) : .success(UInt64(value))
        }
    }

    /// Memory statistics of a running guest, keyed by libvirt's tag (`virDomainMemoryStats`):
    /// `actual` is the balloon size in KiB, `available`, `unused`, `rss`, … as the guest reports them.
    public func memoryStats() async throws(LibvirtError) -> [MemoryStatTag: UInt64] {
        try await call("virDomainMemoryStats") { handle in
            let capacity = Int(VIR_DOMAIN_MEMORY_STAT_NR.rawValue)
            return withUnsafeTemporaryAllocation(of: virDomainMemoryStatStruct.self, capacity: capacity) { stats in
                checkStatus(
                    virDomainMemoryStats(handle, stats.baseAddress, UInt32(capacity), 0), "virDomainMemoryStats"
                ).map { count in
                    var result: [MemoryStatTag: UInt64] = [:]
                    for index in 0..<Int(count) {
                        result[MemoryStatTag(rawValue: stats[index].tag)] = stats[index].val
                    }
                    return result
                }
            }
        }
    }

    /// A memory statistic's tag (`virDomainMemoryStatTags`).
    public struct MemoryStatTag: RawRepresentable, Sendable, Hashable {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        /// `VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON`: current balloon size, KiB.
        public static let actualBalloon = MemoryStatTag(rawValue: Int32(VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON.rawValue))
        /// `VIR_DOMAIN_MEMORY_STAT_AVAILABLE`: memory the guest OS sees, KiB.
        public static let available = MemoryStatTag(rawValue: Int32(VIR_DOMAIN_MEMORY_STAT_AVAILABLE.rawValue))
        /// `VIR_DOMAIN_MEMORY_STAT_UNUSED`: memory the guest leaves unused, KiB.
        public static let unused = MemoryStatTag(rawValue: Int32(VIR_DOMAIN_MEMORY_STAT_UNUSED.rawValue))
        /// `VIR_DOMAIN_MEMORY_STAT_USABLE`: memory usable without swapping, KiB.
        public static let usable = MemoryStatTag(rawValue: Int32(VIR_DOMAIN_MEMORY_STAT_USABLE.rawValue))
        /// `VIR_DOMAIN_MEMORY_STAT_RSS`: resident set size of the emulator process, KiB.
        public static let rss = MemoryStatTag(rawValue: Int32(VIR_DOMAIN_MEMORY_STAT_RSS.rawValue))
    }
}
