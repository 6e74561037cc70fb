import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension LeaseProcess {
    /// This process: host name, boot id, pid and start time from `/proc`.
    public static let current: LeaseProcess = {
        let pid = getpid()
        return LeaseProcess(
            machine: hostName(), bootID: bootID(), pid: pid, startTicks: startTicks(of: pid) ?? 0)
    }()

    /// gethostname(2): not ProcessInfo.hostName, which asks DNS for the canonical name (slow, and
    /// traffic kinvm has no reason to make).
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(cString: buffer)
    }

    /// Whether `process` (on this machine) still runs: its pid exists and started when recorded.
    public static func isAlive(_ process: LeaseProcess) -> Bool {
        guard let start = startTicks(of: process.pid) else { return false }
        return start == process.startTicks
    }

    static func bootID() -> String {
        ((try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Field 22 of `/proc/PID/stat` (after the command name, which may hold spaces and parentheses).
    static func startTicks(of pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }
}
