import CLibvirt

/// A domain lifecycle event (`VIR_DOMAIN_EVENT_ID_LIFECYCLE`): a domain was defined, started,
/// stopped, crashed, …
public struct DomainEvent: Sendable, Hashable, CustomStringConvertible {
    /// The domain's name.
    public var domainName: String
    /// The domain's UUID.
    public var domainUUID: String
    /// What happened (`virDomainEventType`).
    public var kind: Kind
    /// Why, as libvirt's raw detail code; its meaning depends on `kind`. See ``stopReason`` and
    /// ``startReason`` for the typed forms.
    public var detail: Int32

    public init(domainName: String, domainUUID: String, kind: Kind, detail: Int32) {
        self.domainName = domainName
        self.domainUUID = domainUUID
        self.kind = kind
        self.detail = detail
    }

    /// `virDomainEventType`.
    public enum Kind: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case defined = 0, undefined, started, suspended, resumed, stopped, shutdown, pmSuspended, crashed
        /// An event type newer than this binding.
        case unknown = -1

        public var description: String {
            switch self {
            case .defined: "defined"
            case .undefined: "undefined"
            case .started: "started"
            case .suspended: "suspended"
            case .resumed: "resumed"
            case .stopped: "stopped"
            case .shutdown: "shutdown"
            case .pmSuspended: "pm-suspended"
            case .crashed: "crashed"
            case .unknown: "unknown"
            }
        }
    }

    /// Why a domain stopped (`virDomainEventStoppedDetailType`).
    public enum StopReason: Int32, Sendable, Hashable {
        /// `VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN`: the guest shut down.
        case shutdown = 0
        /// `VIR_DOMAIN_EVENT_STOPPED_DESTROYED`: destroyed by the host.
        case destroyed
        /// `VIR_DOMAIN_EVENT_STOPPED_CRASHED`: the guest crashed.
        case crashed
        /// `VIR_DOMAIN_EVENT_STOPPED_MIGRATED`: migrated away.
        case migrated
        /// `VIR_DOMAIN_EVENT_STOPPED_SAVED`: saved to a file.
        case saved
        /// `VIR_DOMAIN_EVENT_STOPPED_FAILED`: the emulator failed.
        case failed
        /// `VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT`: a snapshot was restored.
        case fromSnapshot
    }

    /// Why a domain started (`virDomainEventStartedDetailType`).
    public enum StartReason: Int32, Sendable, Hashable {
        /// `VIR_DOMAIN_EVENT_STARTED_BOOTED`: a normal boot.
        case booted = 0
        case migrated, restored, fromSnapshot, wakeup
    }

    /// The typed reason of a `.stopped` event.
    public var stopReason: StopReason? { kind == .stopped ? StopReason(rawValue: detail) : nil }

    /// The typed reason of a `.started` event.
    public var startReason: StartReason? { kind == .started ? StartReason(rawValue: detail) : nil }

    public var description: String { "\(domainName): \(kind) (detail \(detail))" }
}
