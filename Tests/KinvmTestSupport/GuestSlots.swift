import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How many guest vCPUs tests boot at the same time on this machine.
///
/// Swift Testing runs every suite of every test target at once. Under TCG each booting vCPU
/// keeps a host core busy: five Debian guests on two cores left cloud-init unfinished after 15
/// minutes, and a busybox guest restarted with 2 vCPUs while three Debian guests booted hung in
/// its kernel (`rcu_preempt detected stalls`) until its wait timed out. So the unit of a slot is
/// one vCPU, and every test that boots guests holds as many slots as the vCPUs it boots at once
/// (a multi-vCPU guest holds several, so it never boots next to a full set of heavy guests).
/// Slots are `capacity` lock files in a directory, each held with `flock` (so the limit also
/// holds across processes). A test takes all the slots it needs or none, so two tests can never
/// each hold part of what the other waits for.
///
/// Within the process, waiting tests are served longest first (``withSlots(_:for:minutes:_:)``'s
/// `minutes`), as in longest-processing-time scheduling: a long test that started last would
/// otherwise make the whole run as long as everything before it plus itself. A test that does
/// not fit the free slots does not hold back shorter ones that do.
///
/// A wait that still times out says so when the guest's kernel reported stalled CPUs
/// (`BootStall` in Provisioner), so a starved boot is told from a broken one.
public enum GuestSlots {
    /// `$KINVM_TEST_GUEST_SLOTS`, else one more than the host's cores (3 on the 2-core machines
    /// the suite runs on: a booted guest waiting on the network costs its vCPU little).
    public static var capacity: Int {
        if let configured = ProcessInfo.processInfo.environment["KINVM_TEST_GUEST_SLOTS"].flatMap(Int.init) {
            return max(1, configured)
        }
        return max(2, ProcessInfo.processInfo.activeProcessorCount + 1)
    }

    static var directory: String {
        let base = ProcessInfo.processInfo.environment["KINVM_TEST_WORKDIR"] ?? NSTemporaryDirectory()
        return (base as NSString).appendingPathComponent("guest-slots")
    }

    /// Runs `body` while holding `count` slots (at most ``capacity``), waiting for them first.
    ///
    /// `count` is how many vCPUs the test's guests have at most at the same time (a guest of 2
    /// vCPUs counts 2; a running guest that has finished booting costs little, but it may be
    /// restarted or get vCPUs added, so count it). `minutes` is about how long the test holds them on this
    /// machine; longer tests get slots first. The wait and the time held are written to standard
    /// error as `[guest-slots HH:MM:SS] LABEL: ...` lines (UTC, as in the guests' console logs),
    /// so a full run's log shows how the guest tests were scheduled.
    public static func withSlots<T>(_ count: Int, for label: String, minutes: Int, _ body: () async throws -> T) async throws -> T {
        let wanted = min(max(count, 1), capacity)
        let asked = Date()
        let held = await SlotQueue.shared.acquire(wanted, priority: minutes)
        let got = Date()
        log("\(label): took \(wanted) of \(capacity) slots after waiting \(seconds(got.timeIntervalSince(asked))) s")
        defer {
            release(held)
            log("\(label): released \(wanted) slots after \(seconds(Date().timeIntervalSince(got))) s")
        }
        return try await body()
    }

    static func seconds(_ interval: TimeInterval) -> String { String(format: "%.0f", interval) }

    static func log(_ message: String) {
        let now = Int(Date().timeIntervalSince1970) % 86_400
        let clock = String(format: "%02d:%02d:%02d", now / 3600, now / 60 % 60, now % 60)
        let line = "[guest-slots \(clock)] \(message)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// `count` slot locks, or nil (and none held) when fewer are free.
    static func tryLock(_ count: Int) -> [Int32]? {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var held: [Int32] = []
        for slot in 0..<capacity where held.count < count {
            let descriptor = open("\(directory)/slot-\(slot)", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { continue }
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
                held.append(descriptor)
            } else {
                close(descriptor)
            }
        }
        if held.count == count { return held }
        release(held)
        return nil
    }

    static func release(_ descriptors: [Int32]) {
        for descriptor in descriptors {
            _ = flock(descriptor, LOCK_UN)
            close(descriptor)
        }
    }
}

/// The tests of this process waiting for slots. Every second (after a short first gathering, so
/// that tests starting together are ordered), waiters are tried in order of priority, then
/// arrival: each that fits the free slots gets them.
actor SlotQueue {
    static let shared = SlotQueue()

    /// How long the first request waits for the others of a run's start.
    static let gathering: Duration = .seconds(5)

    private struct Waiter {
        let count: Int
        let priority: Int
        let arrival: Int
        let continuation: CheckedContinuation<[Int32], Never>
    }

    private var waiters: [Waiter] = []
    private var arrivals = 0
    private var pumping = false

    func acquire(_ count: Int, priority: Int) async -> [Int32] {
        await withCheckedContinuation { continuation in
            arrivals += 1
            waiters.append(Waiter(count: count, priority: priority, arrival: arrivals, continuation: continuation))
            if !pumping {
                pumping = true
                let first = arrivals == 1
                Task { await pump(first: first) }
            }
        }
    }

    private func pump(first: Bool) async {
        if first { try? await Task.sleep(for: Self.gathering) }
        while true {
            grant()
            if waiters.isEmpty {
                pumping = false
                return
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func grant() {
        waiters.sort { ($0.priority, -$0.arrival) > ($1.priority, -$1.arrival) }
        waiters.removeAll { waiter in
            guard let held = GuestSlots.tryLock(waiter.count) else { return false }
            waiter.continuation.resume(returning: held)
            return true
        }
    }
}
