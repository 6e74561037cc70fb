import Foundation
import Libvirt

/// The phases of ``GuestManager/wait(for:until:timeout:progress:)``: running, agent, cloud-init.
extension GuestManager {
    /// Everything one wait needs to say what happened.
    struct WaitContext {
        let domain: Domain
        let condition: GuestWaitCondition
        let deadline: WaitDeadline
        var reporter: ProgressReporter
        var lastSeen = "nothing yet"

        var timeoutError: ProvisionerError {
            ProvisionerError(
                .timeout,
                "guest '\(domain.name)' did not reach \(condition.rawValue) within \(deadline.timeoutText); "
                    + "last seen: \(lastSeen)")
        }
    }

    func runWait(_ context: inout WaitContext) async throws(ProvisionerError) {
        do {
            context.reporter.report("waiting for the guest to run")
            try await waitRunning(&context)
            guard context.condition != .running else { return }
            context.reporter.report("waiting for the guest agent")
            try await waitAgent(&context)
            guard context.condition != .agent else { return }
            context.reporter.report("waiting for cloud-init")
            try await waitCloudInit(&context)
        } catch where error.code == .timeout {
            throw await explainTimeout(error, domain: context.domain)
        }
    }

    /// A wait's timeout with what the console shows (``consoleNotes(of:)``).
    func explainTimeout(_ error: ProvisionerError, domain: Domain) async -> ProvisionerError {
        var explained = error
        explained.message += await consoleNotes(of: domain)
        return explained
    }

    /// What a failed wait adds from the console log, when it can be read: a kernel that reports
    /// stalled CPUs (see ``BootStall``), then the last 20 lines; empty otherwise.
    func consoleNotes(of domain: Domain) async -> String {
        guard let spec = try? await readSpec(of: domain), let console = try? await readConsoleLog(of: spec, guest: domain.name) else {
            return ""
        }
        var notes = BootStall.find(in: console).map { "; \($0.explanation)" } ?? ""
        let tail = Self.tail(console, lines: 20)
        if !tail.isEmpty { notes += "; last console lines:\n\(tail)" }
        return notes
    }

    /// The domain's state; throws `.invalidState` (with the console's last lines when readable)
    /// when it shut off or crashed.
    func requireAlive(_ context: WaitContext) async throws(ProvisionerError) -> DomainState {
        let state = try await state(of: context.domain)
        guard state.isDown else { return state }
        var message =
            "guest '\(context.domain.name)' is \(state.explained) while waiting for \(context.condition.rawValue) "
            + "(after \(WaitDeadline.text(context.deadline.elapsed)))"
        message += await consoleNotes(of: context.domain)
        throw ProvisionerError(.invalidState, message)
    }

    func state(of domain: Domain) async throws(ProvisionerError) -> DomainState {
        do {
            return try await domain.state()
        } catch {
            throw .libvirt("cannot read the state of guest '\(domain.name)'", error)
        }
    }

    private func waitRunning(_ context: inout WaitContext) async throws(ProvisionerError) {
        while true {
            let state = try await requireAlive(context)
            if state.kind == .running || state.kind == .blocked { return }
            context.lastSeen = state.explained
            guard !context.deadline.expired else { throw context.timeoutError }
            try await WaitDeadline.sleep(.milliseconds(250))
        }
    }

    private func waitAgent(_ context: inout WaitContext) async throws(ProvisionerError) {
        let agent = GuestAgent(context.domain)
        while true {
            do {
                try await agent.ping(timeout: context.deadline.agentTimeout(limit: 3))
                return
            } catch where error.underlying?.code == .argumentUnsupported {
                throw ProvisionerError(
                    .guestAgent,
                    "guest '\(context.domain.name)' has no guest agent channel (org.qemu.guest_agent.0), so kinvm "
                        + "cannot wait for \(context.condition.rawValue)", underlying: error.underlying)
            } catch {
                context.lastSeen = "guest agent: no answer (\(error.underlying.map(GuestAgent.agentMessage) ?? error.message))"
            }
            _ = try await requireAlive(context)
            guard !context.deadline.expired else { throw context.timeoutError }
            try await WaitDeadline.sleep(.milliseconds(500))
        }
    }

    /// Waits for cloud-init by reading the files it keeps its state in (`/run/cloud-init/status.json`
    /// while it runs, `result.json` once it is done) through the agent: three cheap agent calls a
    /// poll. Running `cloud-init status` instead starts a Python process in the guest each time,
    /// which under TCG takes tens of seconds of the guest's CPU, and one that outlives its timeout
    /// keeps running while the next starts: the polls then starve the cloud-init they wait for.
    /// `cloud-init status --long` is run once, only when no state file has appeared for a while,
    /// to tell a disabled cloud-init from a late one.
    private func waitCloudInit(_ context: inout WaitContext) async throws(ProvisionerError) {
        let agent = GuestAgent(context.domain)
        let clock = ContinuousClock()
        let started = clock.now
        var askedCLI = false
        var checkedInstalled = false
        while true {
            _ = try await requireAlive(context)
            do throws(ProvisionerError) {
                let result = try await agent.readFileIfPresent(CloudInitProgress.resultPath, limit: 1 << 20)
                let status = result == nil ? try await agent.readFileIfPresent(CloudInitProgress.statusPath, limit: 1 << 20) : nil
                switch CloudInitProgress(result: result, status: status) {
                case .done:
                    return
                case .running(let stage):
                    context.lastSeen = "cloud-init: \(stage)"
                    context.reporter.report("waiting for cloud-init (\(stage))")
                    if status == nil, !checkedInstalled {
                        checkedInstalled = true
                        try await requireCloudInitInstalled(agent, context)
                    }
                    if status == nil, !askedCLI, clock.now - started > .seconds(120) {
                        askedCLI = true
                        try await checkCloudInitCLI(agent, &context)
                    }
                case .failed(let status, let report):
                    throw await cloudInitFailure(context.domain, status: status, report: report, agent: agent)
                }
            } catch where error.code == .guestAgent && !GuestAgent.isUnresponsive(error) {
                throw ProvisionerError(
                    .cloudInit, "cannot read cloud-init's state in guest '\(context.domain.name)': \(error.message)",
                    underlying: error.underlying)
            } catch where error.code == .guestAgent || error.code == .timeout {
                context.lastSeen = error.message
            }
            guard !context.deadline.expired else { throw context.timeoutError }
            try await WaitDeadline.sleep(min(max(context.deadline.remaining, .milliseconds(100)), .seconds(2)))
        }
    }

    /// Fails at once when the guest has no cloud-init program (nothing would ever write its state).
    private func requireCloudInitInstalled(_ agent: GuestAgent, _ context: WaitContext) async throws(ProvisionerError) {
        let places = ["/usr/bin/cloud-init", "/usr/local/bin/cloud-init", "/bin/cloud-init"]
        for place in places where try await agent.readFileIfPresent(place, limit: 1) != nil { return }
        throw ProvisionerError(
            .cloudInit,
            "cannot wait for cloud-init in guest '\(context.domain.name)': it is not installed there (none of "
                + places.joined(separator: ", ") + ")")
    }

    /// `cloud-init status --long`, once: fails at once when cloud-init is disabled or failed
    /// before writing any state.
    private func checkCloudInitCLI(_ agent: GuestAgent, _ context: inout WaitContext) async throws(ProvisionerError) {
        let result = try await agent.exec("cloud-init", ["status", "--long"], timeout: .seconds(60))
        switch CloudInitStatus(output: result.stdoutText, exitCode: result.exitCode) {
        case .failed(let status, let report):
            throw await cloudInitFailure(context.domain, status: status, report: report, agent: agent)
        case .running(let status):
            context.lastSeen = "cloud-init status: \(status) (no /run/cloud-init/status.json yet)"
        case .done, .unknown:
            break
        }
    }

    private func cloudInitFailure(
        _ domain: Domain, status: String, report: String, agent: GuestAgent
    ) async -> ProvisionerError {
        let logPath = "/var/log/cloud-init-output.log"
        let logTail: String
        do {
            logTail = Self.tail(String(decoding: try await agent.readFile(logPath), as: UTF8.self), lines: 20)
        } catch {
            logTail = "(cannot read it: \(error.message))"
        }
        return ProvisionerError(
            .cloudInit,
            "cloud-init in guest '\(domain.name)' ended with status '\(status)':\n\(report)\nlast lines of \(logPath):\n\(logTail)")
    }
}

/// cloud-init's progress from its state files (cloud-init 22.4 and later write both):
/// `/run/cloud-init/result.json` appears when the last stage ends (`v1.errors`, and from 23.x
/// `v1.recoverable_errors`), `/run/cloud-init/status.json` says which stage runs (`v1.stage`).
/// Errors make it `failed` (`error`), recoverable errors `degraded done`, as `cloud-init status`
/// reports them.
enum CloudInitProgress: Equatable {
    static let resultPath = "/run/cloud-init/result.json"
    static let statusPath = "/run/cloud-init/status.json"

    case done
    /// What runs: a stage name, or `not started`.
    case running(String)
    case failed(status: String, report: String)

    init(result: [UInt8]?, status: [UInt8]?) {
        if let result, let v1 = Self.v1(result) {
            let errors = (v1["errors"] as? [Any] ?? []).map { "\($0)" }
            let recoverable = (v1["recoverable_errors"] as? [String: Any] ?? [:])
                .flatMap { level, messages in (messages as? [Any] ?? []).map { "\(level): \($0)" } }
                .sorted()
            if !errors.isEmpty {
                self = .failed(status: "error", report: "errors:\n" + errors.map { "  - \($0)" }.joined(separator: "\n"))
            } else if !recoverable.isEmpty {
                self = .failed(
                    status: "degraded done", report: "recoverable errors:\n" + recoverable.map { "  - \($0)" }.joined(separator: "\n"))
            } else {
                self = .done
            }
            return
        }
        guard let status, let v1 = Self.v1(status) else {
            self = .running(result == nil ? "not started" : "writing its result")
            return
        }
        self = .running((v1["stage"] as? String).map { "stage \($0)" } ?? "between stages")
    }

    private static func v1(_ bytes: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])?["v1"] as? [String: Any]
    }
}

/// What `cloud-init status --long` says, for ``GuestManager/wait(for:until:timeout:progress:)``.
enum CloudInitStatus: Equatable {
    case done
    /// Not finished yet (`running`, `not run`, …).
    case running(String)
    /// `error`, `degraded …` or `disabled`, with the whole report (details and errors).
    case failed(status: String, report: String)
    /// No status line (e.g. cloud-init could not run).
    case unknown

    init(output: String, exitCode: Int) {
        var fields: [String: String] = [:]
        for line in output.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":"), !line.hasPrefix(" "), !line.hasPrefix("\t") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            if fields[key] == nil { fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        guard let status = fields["status"] else {
            self = .unknown
            return
        }
        let extended = fields["extended_status"] ?? status
        let report = output.trimmingCharacters(in: .whitespacesAndNewlines)
        if status == "error" || status == "disabled" || status.contains("degraded") || extended.contains("degraded")
            || extended.contains("error")
        {
            self = .failed(status: extended, report: report)
        } else if status == "done" {
            self = .done
        } else {
            self = .running(status)
        }
    }
}
