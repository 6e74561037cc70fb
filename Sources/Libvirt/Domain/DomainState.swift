import CLibvirt

/// A domain's state and the reason it is in it (`virDomainState` plus its reason enum).
public struct DomainState: Sendable, Hashable, CustomStringConvertible {
    public var kind: Kind
    /// The raw reason code; its meaning depends on `kind` (e.g. `virDomainShutoffReason`).
    public var reason: Int32

    public init(kind: Kind, reason: Int32 = 0) {
        self.kind = kind
        self.reason = reason
    }

    init(rawState: Int32, reason: Int32) {
        self.init(kind: Kind(rawValue: rawState) ?? .unknown, reason: reason)
    }

    /// `virDomainState`.
    public enum Kind: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case noState = 0, running, blocked, paused, shuttingDown, shutOff, crashed, pmSuspended
        /// A state this binding does not know (a newer libvirt).
        case unknown = -1

        public var description: String {
            switch self {
            case .noState: "no state"
            case .running: "running"
            case .blocked: "blocked"
            case .paused: "paused"
            case .shuttingDown: "shutting down"
            case .shutOff: "shut off"
            case .crashed: "crashed"
            case .pmSuspended: "pm-suspended"
            case .unknown: "unknown"
            }
        }
    }

    /// Whether the guest is running in any form (running, blocked, paused, shutting down, suspended).
    public var isActive: Bool {
        switch kind {
        case .running, .blocked, .paused, .shuttingDown, .pmSuspended: true
        case .noState, .shutOff, .crashed, .unknown: false
        }
    }

    public var description: String { "\(kind) (reason \(reason))" }
}

/// Basic figures of a domain (`virDomainInfo`).
public struct DomainInfo: Sendable, Hashable {
    public var state: DomainState.Kind
    /// The most memory the guest may have, in KiB.
    public var maxMemoryKiB: UInt64
    /// The memory the guest has now, in KiB.
    public var memoryKiB: UInt64
    /// The number of vCPUs.
    public var vcpus: Int
    /// CPU time used, in nanoseconds.
    public var cpuTimeNanoseconds: UInt64

    init(_ info: virDomainInfo) {
        state = DomainState.Kind(rawValue: Int32(info.state)) ?? .unknown
        maxMemoryKiB = UInt64(info.maxMem)
        memoryKiB = UInt64(info.memory)
        vcpus = Int(info.nrVirtCpu)
        cpuTimeNanoseconds = UInt64(info.cpuTime)
    }
}
