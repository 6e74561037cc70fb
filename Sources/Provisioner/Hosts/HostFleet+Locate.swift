import Libvirt

extension HostFleet {
    /// Where guests live: the reachable hosts that have a domain of each name.
    public struct Location: Sendable {
        /// The names each reachable host has, in member order; hosts with none are left out.
        public var found: [(member: Member, names: [String])]
        /// Names no reachable host has.
        public var missing: [String]
        /// Names that more than one host has, with those hosts (a guest name is unique per host only).
        public var ambiguous: [(name: String, hosts: [String])]
    }

    /// Looks for domains named `names` on every reachable host at once.
    public func locate(_ names: [String]) async throws(ProvisionerError) -> Location {
        let outcomes = await forEach { member throws(ProvisionerError) -> [String] in
            var present: [String] = []
            for name in names {
                do throws(LibvirtError) {
                    if try await member.connection.domainIfPresent(named: name) != nil { present.append(name) }
                } catch {
                    throw ProvisionerError(.libvirt, "cannot look for guest '\(name)' on host \(member.host.name)", underlying: error)
                }
            }
            return present
        }
        var found: [(member: Member, names: [String])] = []
        var hostsOf: [String: [String]] = [:]
        for (member, outcome) in zip(members, outcomes) {
            let present = try outcome.result.get()
            if !present.isEmpty { found.append((member, present)) }
            for name in present { hostsOf[name, default: []].append(member.host.name) }
        }
        return Location(
            found: found,
            missing: names.filter { hostsOf[$0] == nil },
            ambiguous: names.compactMap { name in hostsOf[name].flatMap { $0.count > 1 ? (name, $0) : nil } })
    }

    /// Why `names` were not found: no reachable host has them, and which hosts could not be asked.
    public func notFoundError(_ names: [String]) -> ProvisionerError {
        let list = names.map { "'\($0)'" }.joined(separator: ", ")
        var message = "no reachable host has a guest named \(list)"
        if !unreachable.isEmpty {
            message += "; not asked: " + unreachable.map { "host \($0.host.name) (\($0.reason))" }.joined(separator: ", ")
        }
        return ProvisionerError(.notFound, message)
    }
}
