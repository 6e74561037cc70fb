import Libvirt

/// The checks after a resize: libvirt's figures first, then (with the agent) the guest's own.
extension GuestManager {
    /// libvirt's live vCPU count is `count`; with `inGuest`, the guest has `count` CPUs online
    /// (offline ones are onlined with `guest-set-vcpus`, for guests without a udev rule for it).
    func verifyVCPUs(_ count: Int, inGuest: Bool, _ run: inout ResizeRun) async throws(ProvisionerError) {
        let deadline = WaitDeadline(run.request.timeout)
        let agent = GuestAgent(run.domain)
        var lastSeen = "nothing yet"
        var onlined = 0
        while true {
            let live: Int
            do {
                live = try await run.domain.vcpuCount(flags: .live)
            } catch {
                throw .libvirt("cannot read the vCPU count of guest '\(run.domain.name)'", error)
            }
            lastSeen = "libvirt reports \(live) vCPUs"
            if live == count, !inGuest {
                run.verifications += 1
                run.record("libvirt reports \(count) vCPUs (not checked in the guest: no guest agent)")
                return
            }
            if live == count {
                do {
                    let cpus = try await agent.vcpus()
                    let online = cpus.count(where: \.online)
                    if online == count {
                        run.verifications += 1
                        run.verificationsInGuest += 1
                        let how = onlined > 0 ? ", \(onlined) onlined through the guest agent" : ""
                        run.record("guest sees \(count) vCPUs online (\(WaitDeadline.text(deadline.elapsed))\(how))")
                        return
                    }
                    lastSeen += ", the guest \(online) online of \(cpus.count)"
                    let offline = cpus.filter { !$0.online }.prefix(max(0, count - online))
                    if !offline.isEmpty {
                        try await agent.setVCPUs(offline.map { GuestAgent.VCPU(logicalID: $0.logicalID, online: true) })
                        onlined += offline.count
                    }
                } catch {
                    lastSeen += ", guest agent: \(error.message)"
                }
            }
            guard !deadline.expired else {
                throw ProvisionerError(
                    .timeout,
                    "guest '\(run.domain.name)' did not show \(count) vCPUs within \(deadline.timeoutText); last seen: \(lastSeen)")
            }
            try await WaitDeadline.sleep(.milliseconds(250))
        }
    }

    /// The balloon is at `kib` (within 1 MiB); with `inGuest`, the guest's MemTotal is within
    /// ``memTotalWindow(kib:)`` (the kernel keeps some memory for itself).
    func verifyMemory(_ kib: UInt64, inGuest: Bool, _ run: inout ResizeRun) async throws(ProvisionerError) {
        let deadline = WaitDeadline(run.request.timeout)
        let agent = GuestAgent(run.domain)
        let window = Self.memTotalWindow(kib: kib)
        var lastSeen = "nothing yet"
        while true {
            let balloon = try await balloonKiB(run.domain)
            lastSeen = "balloon at \(ResizePlan.size(balloon))"
            if balloon.distance(to: kib).magnitude <= 1024 {
                if !inGuest {
                    run.verifications += 1
                    run.record("balloon at \(ResizePlan.size(kib)) (not checked in the guest: no guest agent)")
                    return
                }
                do {
                    let total = try await agent.memTotalBytes() / 1024
                    if window.contains(total) {
                        run.verifications += 1
                        run.verificationsInGuest += 1
                        run.record(
                            "balloon at \(ResizePlan.size(kib)), guest MemTotal \(total / 1024)MiB "
                                + "(\(WaitDeadline.text(deadline.elapsed)))")
                        return
                    }
                    lastSeen += ", guest MemTotal \(total) KiB (expected \(window.lowerBound)...\(window.upperBound) KiB)"
                } catch {
                    lastSeen += ", guest agent: \(error.message)"
                }
            }
            guard !deadline.expired else {
                throw ProvisionerError(
                    .timeout,
                    "guest '\(run.domain.name)' did not show \(ResizePlan.size(kib)) of memory within "
                        + "\(deadline.timeoutText); last seen: \(lastSeen)")
            }
            try await WaitDeadline.sleep(.milliseconds(500))
        }
    }

    /// The MemTotal (KiB) a guest with a balloon at `kib` shows: at most the balloon size, and
    /// not less than the size minus what a kernel reserves (max(128 MiB, 1/8)).
    static func memTotalWindow(kib: UInt64) -> ClosedRange<UInt64> {
        let reserve = max(128 * 1024, kib / 8)
        return (kib > reserve ? kib - reserve : 0)...kib
    }

    /// The balloon's size (`actual` memory statistic: libvirt's domain info lags behind it after a
    /// change), or libvirt's current memory when the driver has no statistics.
    func balloonKiB(_ domain: Domain) async throws(ProvisionerError) -> UInt64 {
        if let stats = try? await domain.memoryStats(), let actual = stats[.actualBalloon] { return actual }
        do {
            return try await domain.info().memoryKiB
        } catch {
            throw .libvirt("cannot read the memory of guest '\(domain.name)'", error)
        }
    }
}
