import Libvirt

// Lookups, reading both definitions of a network, and the checks every ClusterNetwork operation
// makes before it changes anything.

extension ClusterNetwork {
    /// A network's running and persistent XML. `separate` is false when the driver cannot give the
    /// persistent definition of a running network (`VIR_NETWORK_XML_INACTIVE` is refused, as by the
    /// test driver); `config` is then nil and `live` stands for both.
    struct Definitions: Sendable {
        var live: String?
        var config: String?
        var separate = true
        var isActive: Bool { live != nil }
        /// The record to read: the persistent definition when there is one.
        var record: String { config ?? live ?? "" }
    }

    func lookUp() async throws(ProvisionerError) -> Network? {
        do {
            return try await connection.networkIfPresent(named: name)
        } catch {
            throw .libvirt("looking up network '\(name)'", error)
        }
    }

    func definitions(of network: Network) async throws(ProvisionerError) -> Definitions {
        try await libvirt("reading the XML of network '\(network.name)'") { () async throws(LibvirtError) in
            let active = try await network.isActive()
            let persistent = try await network.isPersistent()
            guard active else { return Definitions(live: nil, config: try await network.xml()) }
            let live = try await network.xml()
            guard persistent else { return Definitions(live: live, config: nil) }
            do throws(LibvirtError) {
                return Definitions(live: live, config: try await network.xml(flags: .inactive))
            } catch where error.code == .invalidArg || error.code == .notSupported {
                return Definitions(live: live, config: nil, separate: false)
            }
        }
    }

    static func state(of network: Network, definitions: Definitions) async throws(ProvisionerError)
        -> ClusterNetworkState
    {
        var state = try ClusterNetworkXML.read(definitions.record)
        state.isActive = definitions.isActive
        state.isPersistent = definitions.config != nil || !definitions.separate
        do {
            state.autostart = state.isPersistent ? try await network.autostart() : false
        } catch {
            throw .libvirt("reading the autostart flag of network '\(network.name)'", error)
        }
        return state
    }

    /// Refuses a network that is not kinvm's, or is another cluster's.
    func checkOwned(_ state: ClusterNetworkState, doing action: String) throws(ProvisionerError) {
        guard let metadata = state.metadata else {
            throw ProvisionerError(
                .notOwned,
                "network '\(name)' exists and was not created by kinvm; refusing to \(action) it for cluster "
                    + "'\(cluster)' (choose another network name in the spec, or remove that network yourself)")
        }
        guard metadata.cluster == cluster else {
            throw ProvisionerError(
                .notOwned,
                "network '\(name)' belongs to kinvm cluster '\(metadata.cluster)', not '\(cluster)'; refusing to "
                    + "\(action) it (choose another network name in the spec)")
        }
    }

    /// Refuses an existing network whose address or mode differ from the definition's.
    static func checkMatches(_ state: ClusterNetworkState, _ definition: ClusterNetworkDefinition) throws(ProvisionerError) {
        if definition.mode == .bridged || state.mode == .bridged {
            guard state.mode == definition.mode, state.bridge == definition.bridge else {
                throw ProvisionerError(
                    .unsupported,
                    "network '\(state.name)' is \(state.forwardMode.map { "in forward mode '\($0)'" } ?? "isolated")"
                        + "\(state.bridge.map { " on bridge \($0)" } ?? ""), the spec asks for \(definition.mode.rawValue)"
                        + "\(definition.bridge.map { " on bridge \($0)" } ?? ""); a cluster network's mode and bridge cannot change: "
                        + "delete the cluster and create it again")
            }
            return
        }
        guard state.cidr == definition.cidr, state.hostAddress == definition.cidr.gateway else {
            let current = state.cidr.map { "\($0) (host \(state.hostAddress.map(String.init(describing:)) ?? "-"))" }
            throw ProvisionerError(
                .unsupported,
                "network '\(state.name)' has \(current ?? "no IPv4 address"), the spec asks for \(definition.cidr) "
                    + "(host \(definition.cidr.gateway)); a cluster network's address cannot change: delete the "
                    + "cluster and create it again, or keep the old CIDR")
        }
        guard state.mode == definition.mode else {
            throw ProvisionerError(
                .unsupported,
                "network '\(state.name)' is \(state.forwardMode.map { "in forward mode '\($0)'" } ?? "isolated"), "
                    + "the spec asks for \(definition.mode.rawValue); a cluster network's mode cannot change: delete "
                    + "the cluster and create it again, or keep the old mode")
        }
    }

    /// Refuses a CIDR that shares addresses with another libvirt network (running or not).
    func checkNoOverlap(_ cidr: IPv4Network) async throws(ProvisionerError) {
        let others: [Network]
        do {
            others = try await connection.allNetworks().filter { $0.name != name }
        } catch {
            throw .libvirt("listing networks to check \(cidr) against", error)
        }
        var described: [(name: String, xml: String)] = []
        for other in others {
            do throws(LibvirtError) {
                described.append((other.name, try await other.xml()))
            } catch where error.code == .noNetwork {
                continue
            } catch {
                throw .libvirt("reading the XML of network '\(other.name)'", error)
            }
        }
        let conflicts = try NetworkOverlap.conflicts(of: cidr, with: described)
        guard conflicts.isEmpty else {
            let list = conflicts.map { "\($0.cidr) of network '\($0.network)'" }.joined(separator: ", ")
            throw ProvisionerError(
                .inUse, "the address range \(cidr) of network '\(name)' overlaps \(list); choose another CIDR in the spec")
        }
    }

    func startAndAutostart(_ network: Network) async throws(ProvisionerError) {
        try await libvirt("starting network '\(name)' (bridge, firewall rules, dnsmasq)") { () async throws(LibvirtError) in
            if !(try await network.isActive()) {
                do throws(LibvirtError) {
                    try await network.start()
                } catch where error.code == .operationInvalid {
                    // Fine when someone else started it meanwhile.
                    guard try await network.isActive() else { throw error }
                }
                logger.info("started network", metadata: ["network": "\(name)"])
            }
        }
        try await libvirt("marking network '\(name)' to start with libvirtd") { () async throws(LibvirtError) in
            if !(try await network.autostart()) { try await network.setAutostart(true) }
        }
    }

    /// Runs a libvirt step, turning its error into a ``ProvisionerError`` that says what was done.
    func libvirt<T>(_ what: String, _ body: () async throws(LibvirtError) -> T) async throws(ProvisionerError) -> T {
        do {
            return try await body()
        } catch {
            throw .libvirt(what, error)
        }
    }
}
