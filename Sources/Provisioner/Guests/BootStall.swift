import Foundation

/// A guest kernel that says its CPUs stalled, recognised in its console output.
///
/// Under emulation (TCG) on a host whose cores are all busy, a guest's vCPUs can get so little
/// time that its kernel's watchdogs fire while it boots: the boot then crawls or hangs, and a wait
/// for the guest agent or cloud-init times out with nothing else to say why. Linux prints these
/// lines when that happens (kernel/rcu/tree_stall.h, kernel/watchdog.c, kernel/hung_task.c):
///
///     rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
///     rcu: INFO: rcu_sched self-detected stall on CPU
///     watchdog: BUG: soft lockup - CPU#0 stuck for 23s! [swapper/0:1]
///     INFO: task kworker/0:1:12 blocked for more than 120 seconds.
///     clocksource: timekeeping watchdog on CPU1: Marking clocksource 'tsc' as unstable
public struct BootStall: Sendable, Hashable {
    /// The first console line that shows it (trimmed, at most 200 characters).
    public var line: String

    /// What kinvm tells the user, after the wait's own message.
    public var explanation: String {
        "the guest's kernel reports stalled CPUs (\"\(line)\"): its vCPUs got too little host CPU time, "
            + "usually because the host's cores are oversubscribed (more busy vCPUs than cores, worse under TCG "
            + "emulation); run fewer guests at once or give this one fewer vCPUs"
    }

    static let signatures = [
        "detected stalls on CPUs", "self-detected stall on CPU", "detected stall on CPU", "BUG: soft lockup",
        "blocked for more than", "as unstable",
    ]

    /// The first stall line in `console`, or nil.
    public static func find(in console: String) -> BootStall? {
        for line in console.split(whereSeparator: \.isNewline) {
            guard signatures.contains(where: { line.contains($0) }) else { continue }
            // Console lines start with the kernel's timestamp: keep it, it says when.
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines.union(.controlCharacters))
            return BootStall(line: String(trimmed.prefix(200)))
        }
        return nil
    }
}
