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
        context.reporter.report("waiting for the guest to run")
        try await waitRunning(&context)
        guard context.condition != .running else { return }
        context.reporter.report("waiting for the guest agent")
        try await waitAgent(&context)
        guard context.condition != .agent else { return }
        context.reporter.report("waiting for cloud-init")
        try await waitCloudInit(&context)
    }

    /// The domain's state; throws `.invalidState` (with the console's last lines when readable)
    /// when it shut off or crashed.
    func requireAlive(_ context: WaitContext) async throws(ProvisionerError) -> DomainState {
        let state = try await state(of: context.domain)
        guard state.isDown else { return state }
        var message =
            "guest '\(context.domain.name)' is \(state.explained) while waiting for \(context.condition.rawValue) "
            + "(after \(WaitDeadline.text(context.deadline.elapsed)))"
        if let spec = try? await readSpec(of: context.domain), let tail = consoleTail(of: spec, guest: context.domain.name),
            !tail.isEmpty
        {
            message += "; last console lines:\n\(tail)"
        }
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

    private func waitCloudInit(_ context: inout WaitContext) async throws(ProvisionerError) {
        let agent = GuestAgent(context.domain)
        while true {
            _ = try await requireAlive(context)
            do throws(ProvisionerError) {
                let result = try await agent.exec(
                    "cloud-init", ["status", "--long"], timeout: min(max(context.deadline.remaining, .seconds(1)), .seconds(30)))
                switch CloudInitStatus(output: result.stdoutText, exitCode: result.exitCode) {
                case .done:
                    return
                case .running(let status):
                    context.lastSeen = "cloud-init status: \(status)"
                    context.reporter.report("waiting for cloud-init (\(status))")
                case .failed(let status, let report):
                    throw await cloudInitFailure(context.domain, status: status, report: report, agent: agent)
                case .unknown:
                    context.lastSeen =
                        "'cloud-init status --long' exited \(result.exitCode): \(result.stderrText.suffix(300))"
                }
            } catch where error.code == .guestAgent && !GuestAgent.isUnresponsive(error) {
                throw ProvisionerError(
                    .cloudInit, "cannot run 'cloud-init status --long' in guest '\(context.domain.name)': \(error.message)",
                    underlying: error.underlying)
            } catch where error.code == .guestAgent || error.code == .timeout {
                context.lastSeen = error.message
            }
            guard !context.deadline.expired else { throw context.timeoutError }
            try await WaitDeadline.sleep(min(max(context.deadline.remaining, .milliseconds(100)), .seconds(3)))
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
