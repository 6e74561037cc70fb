import Libvirt

/// A timeout started now: whether it ran out, what is left, and how to say so in messages.
struct WaitDeadline: Sendable {
    let start: ContinuousClock.Instant
    let timeout: Duration

    init(_ timeout: Duration) {
        start = ContinuousClock.now
        self.timeout = timeout
    }

    var expired: Bool { ContinuousClock.now - start >= timeout }
    var remaining: Duration { max(.zero, timeout - (ContinuousClock.now - start)) }
    var elapsed: Duration { ContinuousClock.now - start }
    var elapsedSeconds: Double { Self.seconds(elapsed) }
    /// The timeout for messages, e.g. "120 s".
    var timeoutText: String { Self.text(timeout) }

    /// An agent timeout for one try: at most `limit` seconds and never past the deadline (at least 1 s).
    func agentTimeout(limit: Int32) -> Domain.AgentTimeout {
        let left = Int32(min(Double(limit), max(1, Self.seconds(remaining).rounded(.up))))
        return .seconds(left)
    }

    /// Sleeps, turning cancellation into a `.cancelled` error.
    static func sleep(_ duration: Duration) async throws(ProvisionerError) {
        do {
            try await Task.sleep(for: duration)
        } catch {
            throw ProvisionerError(.cancelled, "cancelled while waiting")
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// "120 s", "1.5 s".
    static func text(_ duration: Duration) -> String {
        let seconds = seconds(duration)
        if seconds == seconds.rounded() { return "\(Int(seconds)) s" }
        return "\((seconds * 10).rounded() / 10) s"
    }
}

/// Sends progress to a callback once per distinct step.
struct ProgressReporter {
    let guest: String
    let deadline: WaitDeadline
    let callback: @Sendable (GuestProgress) -> Void
    private var last: String?

    init(guest: String, deadline: WaitDeadline, callback: @escaping @Sendable (GuestProgress) -> Void) {
        self.guest = guest
        self.deadline = deadline
        self.callback = callback
    }

    mutating func report(_ step: String) {
        guard step != last else { return }
        last = step
        callback(GuestProgress(guest: guest, step: step, elapsedSeconds: deadline.elapsedSeconds))
    }
}

extension DomainState {
    /// The state with libvirt's reason in words, e.g. "shut off (crashed)", "crashed (panicked)".
    var explained: String {
        let reasons: [String]
        switch kind {
        case .shutOff:
            reasons = ["unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed", "from snapshot", "daemon"]
        case .crashed:
            reasons = ["unknown", "panicked"]
        case .running:
            reasons = ["unknown", "booted", "migrated", "restored", "from snapshot", "unpaused", "migration canceled",
                       "save canceled", "wakeup", "crashed", "post-copy"]
        case .paused:
            reasons = ["unknown", "user", "migration", "save", "dump", "I/O error", "watchdog", "from snapshot",
                       "shutting down", "snapshot", "crashed", "starting up", "post-copy", "post-copy failed"]
        default:
            reasons = []
        }
        let index = Int(reason)
        guard reasons.indices.contains(index), index != 0 else { return kind.description }
        return "\(kind) (\(reasons[index]))"
    }

    /// Stopped for good: shut off or crashed.
    var isDown: Bool { kind == .shutOff || kind == .crashed }
}
