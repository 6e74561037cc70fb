import DomainTemplates
import Libvirt

extension GuestManager {
    /// The guest's IP addresses: the guest agent first (loopback and link-local left out), then
    /// the DHCP leases of each NIC's libvirt network, matched by MAC. Polls until one is found or
    /// `timeout` passes (`.zero`: one try); fails with `.timeout` saying what was tried and seen.
    public func addresses(_ name: String, timeout: Duration = .zero) async throws(ProvisionerError) -> [GuestAddress] {
        let found = try await find(name, requireOwned: false, action: "look up")
        let deadline = WaitDeadline(timeout)
        while true {
            let state = try await state(of: found.domain)
            guard state.isActive else {
                throw ProvisionerError(.invalidState, "guest '\(name)' is \(state.explained): it has no IP addresses")
            }
            let lookup = await lookUpAddresses(found.domain, spec: found.spec)
            if !lookup.addresses.isEmpty { return lookup.addresses }
            if deadline.expired {
                let within = timeout == .zero ? "" : " within \(deadline.timeoutText)"
                var message = "no IP address for guest \(name)\(within); tried: \(lookup.tried.joined(separator: ", "))"
                if found.spec.nics.contains(where: { $0.kind == .user }) {
                    message += "; user-mode NICs get no lease, the guest agent is the only source for them"
                }
                throw ProvisionerError(.timeout, message)
            }
            try await WaitDeadline.sleep(min(.seconds(1), deadline.remaining))
        }
    }

    /// Runs a program in the running guest through the agent and returns its exit status and output.
    /// `.timeout` names the command when it runs longer than `timeout`.
    public func exec(
        _ name: String, _ path: String, _ arguments: [String] = [], input: [UInt8]? = nil, timeout: Duration = .seconds(60)
    ) async throws(ProvisionerError) -> GuestExecResult {
        let found = try await find(name, requireOwned: false, action: "run commands in")
        let state = try await state(of: found.domain)
        guard state.kind == .running || state.kind == .blocked else {
            throw ProvisionerError(
                .invalidState,
                "guest '\(name)' is \(state.explained): commands run through the guest agent of a running guest")
        }
        logger.info("guest exec", metadata: ["guest": "\(name)", "path": "\(path)"])
        return try await GuestAgent(found.domain).exec(path, arguments, input: input, timeout: timeout)
    }

    /// The serial console log (its last 16 MiB): read here when the connection is local and the
    /// file is visible, otherwise through a libvirt storage pool on its directory (a remote host,
    /// or a libvirtd in another mount namespace); `.notFound` when there is no such file.
    public func consoleLog(_ name: String) async throws(ProvisionerError) -> String {
        let found = try await find(name, requireOwned: false, action: "read the console of")
        return try await readConsoleLog(of: found.spec, guest: name)
    }
}
