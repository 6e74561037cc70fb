import Libvirt

extension GuestManager {
    /// Changes vCPUs and memory: live where possible, else as the request's mode allows (see
    /// ``ResizePlan`` for the rules). Live changes are verified: libvirt's figures, and inside the
    /// guest through the agent when it answers.
    /// - Parameter force: also resize domains kinvm did not create.
    public func resize(
        _ name: String, _ request: ResizeRequest, force: Bool = false,
        progress: @escaping @Sendable (GuestProgress) -> Void = { _ in }
    ) async throws(ProvisionerError) -> ResizeOutcome {
        let found = try await find(name, requireOwned: !force, action: "resize")
        let observed = try await observeSizes(found.domain, spec: found.spec)
        let before = try await guestSizes(found.domain, observed: observed)
        let plan = try ResizePlan.make(observed, request)
        var run = ResizeRun(
            domain: found.domain, request: request, live: observed.live, config: observed.config,
            reporter: ProgressReporter(guest: name, deadline: WaitDeadline(request.timeout), callback: progress))
        for action in plan.actions {
            try await perform(action, &run)
        }
        let after: GuestSizes
        if plan.actions.isEmpty {
            after = before
        } else {
            if let target = run.live?.memoryKiB { await settleBalloon(found.domain, at: target) }
            let spec = try await readSpec(of: found.domain)
            after = try await guestSizes(found.domain, observed: try await observeSizes(found.domain, spec: spec))
        }
        logger.info("resized guest", metadata: ["guest": "\(name)", "steps": "\(run.steps)"])
        return ResizeOutcome(
            name: name, before: before, after: after, steps: run.steps, restarted: plan.restart,
            verifiedInGuest: run.verifications > 0 && run.verifications == run.verificationsInGuest,
            pendingUntilRestart: plan.pendingUntilRestart)
    }

    /// libvirt's balloon figure follows the guest's balloon events, so right after a change it
    /// can show a value from the middle of the change; waits (up to 5 s) for it to reach
    /// `target` before the outcome's "after" sizes are read.
    private func settleBalloon(_ domain: Domain, at target: UInt64) async {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while clock.now < deadline {
            guard let balloon = try? await balloonKiB(domain), balloon.distance(to: target).magnitude > 1024 else { return }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }
}

/// Whether a resize can be made live, decided before anything changes.
public struct ResizePreview: Sendable, Hashable {
    /// The guest is running.
    public var running: Bool
    /// Every change can be made live (hot-plug, balloon) within the ceilings.
    public var live: Bool
    /// Something would change.
    public var changes: Bool
    /// Why it cannot be done live (nil when it can).
    public var refusal: String?
}

extension GuestManager {
    /// What ``resize(_:_:force:progress:)`` in `.auto` mode would do: live, or refused (then only a
    /// restart can do it). Changes nothing.
    public func previewResize(_ name: String, _ request: ResizeRequest) async throws(ProvisionerError) -> ResizePreview {
        let found = try await find(name, requireOwned: true, action: "resize")
        let observed = try await observeSizes(found.domain, spec: found.spec)
        var auto = request
        auto.mode = .auto
        guard observed.running else {
            let plan = try ResizePlan.make(observed, auto)
            return ResizePreview(running: false, live: false, changes: !plan.actions.isEmpty, refusal: "guest '\(name)' is not running")
        }
        do {
            let plan = try ResizePlan.make(observed, auto)
            return ResizePreview(running: true, live: true, changes: !plan.actions.isEmpty, refusal: nil)
        } catch where error.code == .unsupported {
            return ResizePreview(running: true, live: false, changes: true, refusal: error.message)
        }
    }
}
