import Libvirt
import Logging

/// The libvirt network of one cluster: define/start it, hold the nodes' DHCP reservations and the
/// cluster's record (metadata with the spec), delete it.
///
/// Every operation checks that the network is kinvm's and this cluster's before changing anything,
/// and is idempotent: running it again after it succeeded (or after it was interrupted) does
/// nothing more than what is still missing.
///
/// A guest joins the network with `NICSpec(network: name, mac: reservation.mac)` — which is what
/// `GuestCreateRequest` gives its first NIC anyway when the MAC is left nil, because
/// `MACAddress.derived(guest:nicIndex: 0)` is the MAC the reservation uses.
public struct ClusterNetwork: Sendable {
    public let connection: Connection
    /// The libvirt network's name.
    public let name: String
    /// The cluster it belongs to (`<kinvm:cluster name>`).
    public let cluster: String
    let logger: Logger

    public init(
        name: String, cluster: String, on connection: Connection,
        logger: Logger = Logger(label: "kinvm.provisioner.clusters")
    ) {
        self.connection = connection
        self.name = name
        self.cluster = cluster
        self.logger = logger
    }

    /// The network's state, read from its persistent definition when it has one (the cluster's
    /// record lives there), else from the running one; nil when there is no such network.
    /// Does not check ownership: ``ClusterNetworkState/metadata`` says whose it is.
    public func state() async throws(ProvisionerError) -> ClusterNetworkState? {
        guard let network = try await lookUp() else { return nil }
        return try await Self.state(of: network, definitions: try await definitions(of: network))
    }

    /// Makes the network exist, persistent, running and autostarted, as `definition` says.
    ///
    /// A missing network is defined with `definition`'s metadata and reservations; an existing one
    /// keeps its own (creation time, spec, reservations: use ``setSpec(yaml:ttlSeconds:)`` and
    /// ``reserve(_:)`` to change them). A network this call defined but could not start is
    /// undefined again.
    /// - Throws: `.notOwned` when a network of that name is not kinvm's or is another cluster's;
    ///   `.unsupported` when it has another CIDR or mode; `.inUse` when the CIDR overlaps another
    ///   libvirt network's; `.libvirt` with the cause otherwise.
    @discardableResult
    public func ensure(_ definition: ClusterNetworkDefinition) async throws(ProvisionerError) -> ClusterNetworkState {
        guard definition.name == name, definition.metadata.cluster == cluster else {
            throw ProvisionerError(
                .invalidArgument,
                "the definition of network '\(definition.name)' (cluster '\(definition.metadata.cluster)') "
                    + "was given to network '\(name)' of cluster '\(cluster)'")
        }
        if definition.mode != .bridged { try await checkNoOverlap(definition.cidr) }
        var defined = false
        let network: Network
        if let existing = try await lookUp() {
            let current = try await Self.state(of: existing, definitions: try await definitions(of: existing))
            try checkOwned(current, doing: "use")
            try Self.checkMatches(current, definition)
            if !current.isPersistent {
                try await libvirt("making network '\(name)' persistent") { () async throws(LibvirtError) in
                    _ = try await connection.defineNetwork(xml: try await existing.xml())
                }
            }
            network = existing
        } else {
            let xml = try ClusterNetworkXML.render(definition)
            network = try await libvirt("defining network '\(name)' (\(definition.cidr), \(definition.mode.rawValue))") {
                () async throws(LibvirtError) in try await connection.defineNetwork(xml: xml, flags: .validate)
            }
            defined = true
            logger.info("defined network", metadata: ["network": "\(name)", "cidr": "\(definition.cidr)"])
        }
        do throws(ProvisionerError) {
            try await startAndAutostart(network)
        } catch {
            if defined { try? await network.undefine() }
            throw error
        }
        guard let state = try await state() else {
            throw ProvisionerError(.notFound, "network '\(name)' disappeared while it was being set up")
        }
        return state
    }

    /// Replaces the spec (and TTL) in the network's record: the persistent definition is redefined
    /// with everything else kept; the running network is not restarted (its live XML keeps the old
    /// record until the next start, which nothing reads: ``state()`` reads the persistent one).
    ///
    /// On a driver that cannot show the persistent definition of a running network separately
    /// (libvirt's test driver, which also forgets a redefinition made while the network runs), the
    /// network is stopped, redefined and started again.
    public func setSpec(yaml: String, ttlSeconds: Int?) async throws(ProvisionerError) {
        try await updateRecord { metadata in
            metadata.spec = yaml
            metadata.ttlSeconds = ttlSeconds
        }
    }

    /// Changes the network's record with `change` (its generation counted up), as
    /// ``setSpec(yaml:ttlSeconds:)`` describes; nothing when `change` leaves it as it was.
    public func updateRecord(_ change: (inout ClusterNetworkMetadata) -> Void) async throws(ProvisionerError) {
        guard let network = try await lookUp() else {
            throw ProvisionerError(.notFound, "network '\(name)' of cluster '\(cluster)' does not exist")
        }
        let definitions = try await definitions(of: network)
        let current = try await Self.state(of: network, definitions: definitions)
        try checkOwned(current, doing: "change")
        guard let old = current.metadata else { return }
        var metadata = old
        change(&metadata)
        guard metadata != old else { return }
        metadata.generation = max(old.generation + 1, Self.generationNow())
        let xml = try ClusterNetworkXML.replacingMetadata(
            in: definitions.config ?? definitions.live ?? "", with: metadata)
        let restart = definitions.live != nil && !definitions.separate
        try await libvirt("updating the cluster record of network '\(name)'") { () async throws(LibvirtError) in
            if restart { try await network.destroy() }
            _ = try await connection.defineNetwork(xml: xml, flags: .validate)
            if restart { try await network.start() }
        }
        logger.info("updated the cluster record", metadata: ["network": "\(name)", "cluster": "\(cluster)"])
    }

    /// Stops and undefines the network; nothing to do when it is gone. Works on a network in any
    /// state (defined only, running, transient).
    /// - Throws: `.notOwned` when the network is not kinvm's or is another cluster's.
    public func delete() async throws(ProvisionerError) {
        guard let network = try await lookUp() else { return }
        let current = try await Self.state(of: network, definitions: try await definitions(of: network))
        try checkOwned(current, doing: "delete")
        try await libvirt("deleting network '\(name)'") { () async throws(LibvirtError) in
            do throws(LibvirtError) {
                if try await network.isActive() { try await network.destroy() }
                if try await network.isPersistent() { try await network.undefine() }
            } catch where error.code == .noNetwork {
                // Gone meanwhile: nothing left to do.
            }
        }
        logger.info("deleted network", metadata: ["network": "\(name)", "cluster": "\(cluster)"])
    }

    /// Every kinvm cluster network on the connection, by name.
    public static func list(on connection: Connection) async throws(ProvisionerError) -> [ClusterNetworkState] {
        let networks: [Network]
        do {
            networks = try await connection.allNetworks()
        } catch {
            throw .libvirt("listing networks", error)
        }
        var states: [ClusterNetworkState] = []
        for network in networks {
            let view = ClusterNetwork(name: network.name, cluster: "", on: connection)
            do throws(ProvisionerError) {
                let state = try await state(of: network, definitions: try await view.definitions(of: network))
                if state.metadata != nil { states.append(state) }
            } catch where error.underlying?.code == .noNetwork {
                continue  // removed while listing
            }
        }
        return states.sorted { $0.name < $1.name }
    }
}
