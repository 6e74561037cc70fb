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
            let spec = try await readSpec(of: found.domain)
            after = try await guestSizes(found.domain, observed: try await observeSizes(found.domain, spec: spec))
        }
        logger.info("resized guest", metadata: ["guest": "\(name)", "steps": "\(run.steps)"])
        return ResizeOutcome(
            name: name, before: before, after: after, steps: run.steps, restarted: plan.restart,
            verifiedInGuest: run.verifications > 0 && run.verifications == run.verificationsInGuest,
            pendingUntilRestart: plan.pendingUntilRestart)
    }
}
