import DomainTemplates
import Libvirt

extension GuestManager {
    /// One round of address lookup: what was found, and for the error message what was tried.
    struct AddressLookup {
        var addresses: [GuestAddress] = []
        var tried: [String] = []
    }

    /// Asks the guest agent, then the DHCP leases of each `.network` NIC.
    func lookUpAddresses(_ domain: Domain, spec: DomainSpec) async -> AddressLookup {
        var lookup = AddressLookup()
        do {
            let interfaces = try await GuestAgent(domain).interfaces()
            let found = Self.usableAddresses(interfaces)
            lookup.addresses += found
            if found.isEmpty {
                let names = interfaces.map(\.name).joined(separator: ", ")
                lookup.tried.append("guest agent (no address besides loopback and link-local on: \(names))")
            } else {
                lookup.tried.append("guest agent")
            }
        } catch {
            lookup.tried.append("guest agent (no answer: \(error.underlying.map(GuestAgent.agentMessage) ?? error.message))")
        }
        for nic in spec.nics where nic.kind == .network {
            let leases = await leaseAddresses(of: nic)
            lookup.tried.append(leases.tried)
            for address in leases.addresses where !lookup.addresses.contains(where: { $0.address == address.address }) {
                lookup.addresses.append(address)
            }
        }
        return lookup
    }

    /// The agent's addresses that are reachable from outside: no loopback, no link-local.
    static func usableAddresses(_ interfaces: [GuestAgent.Interface]) -> [GuestAddress] {
        interfaces.flatMap { interface -> [GuestAddress] in
            guard interface.name != "lo" else { return [] }
            return (interface.ipAddresses ?? []).compactMap { ip in
                guard !isLoopbackOrLinkLocal(ip.address) else { return nil }
                return GuestAddress(
                    interface: interface.name, mac: interface.hardwareAddress?.lowercased(), family: ip.type,
                    address: ip.address, prefix: ip.prefix, source: .agent)
            }
        }
    }

    static func isLoopbackOrLinkLocal(_ address: String) -> Bool {
        let lower = address.lowercased()
        return lower.hasPrefix("127.") || lower == "::1" || lower.hasPrefix("169.254.") || lower.hasPrefix("fe8")
            || lower.hasPrefix("fe9") || lower.hasPrefix("fea") || lower.hasPrefix("feb")
    }

    private func leaseAddresses(of nic: NICSpec) async -> (addresses: [GuestAddress], tried: String) {
        let what = "DHCP leases of network '\(nic.network)'"
        guard let mac = nic.mac?.lowercased() else { return ([], "\(what) (the NIC has no MAC address)") }
        let leases: [DHCPLease]
        do {
            guard let network = try await connection.networkIfPresent(named: nic.network) else {
                return ([], "\(what) (no such network)")
            }
            leases = try await network.dhcpLeases()
        } catch {
            return ([], "\(what) (cannot read them: \(error.message))")
        }
        let mine = leases.filter { $0.mac?.lowercased() == mac }
        guard !mine.isEmpty else { return ([], "\(what) (no lease for \(mac))") }
        let addresses = mine.map { lease in
            GuestAddress(
                interface: lease.interface, mac: mac, family: lease.family == .ipv6 ? "ipv6" : "ipv4",
                address: lease.ipAddress, prefix: lease.prefix, source: .lease)
        }
        return (addresses, what)
    }
}
