import Libvirt

// DHCP reservations: changed through virNetworkUpdate in the running network and in its persistent
// definition, each compared on its own, so a run interrupted between the two is completed later.

extension ClusterNetwork {
    /// Makes the network hold every reservation, live (when running) and in its definition.
    /// Nothing is done for one already there; an entry with the node's name or MAC but another
    /// address or MAC is modified. Returns the reservations that were added or changed.
    /// - Throws: `.notFound` without the network, `.notOwned` as ``ensure(_:)``, `.invalidArgument`
    ///   for an address outside the network's node addresses or a malformed MAC, `.inUse` when an
    ///   address is reserved for another host.
    @discardableResult
    public func reserve(_ reservations: [DHCPReservation]) async throws(ProvisionerError) -> [DHCPReservation] {
        let (network, definitions, state) = try await ownedNetwork(doing: "reserve addresses in")
        if state.mode == .bridged { return try await recordAddresses(reservations, in: state) }
        for reservation in reservations { try check(reservation, in: state) }
        let changed = try await apply(to: network, definitions) { xml throws(ProvisionerError) in
            try DHCPHostChanges.reserve(reservations, existing: ClusterNetworkXML.hostEntries(xml), network: name)
        }
        let names = Set(changed.compactMap(\.entry.name))
        let result = reservations.filter { names.contains($0.node) }
        if !result.isEmpty {
            logger.info("reserved addresses", metadata: ["network": "\(name)", "reservations": "\(result)"])
        }
        return result
    }

    /// Removes the reservations of these nodes, live and in the definition; nothing for nodes
    /// without one, or when the network is gone. Returns the nodes whose reservation was removed.
    @discardableResult
    public func release(nodes: [String]) async throws(ProvisionerError) -> [String] {
        guard try await lookUp() != nil else { return [] }
        let (network, definitions, state) = try await ownedNetwork(doing: "release addresses in")
        if state.mode == .bridged {
            let released = nodes.filter { node in state.reservations.contains { $0.node == node } }
            if !released.isEmpty {
                try await updateRecord { metadata in
                    metadata.addresses.removeAll { released.contains($0.node) }
                    for node in released { metadata.placements[node] = nil }
                }
            }
            return released
        }
        let changed = try await apply(to: network, definitions) { xml throws(ProvisionerError) in
            DHCPHostChanges.release(nodes: nodes, existing: try ClusterNetworkXML.hostEntries(xml))
        }
        let released = nodes.filter { node in changed.contains { $0.entry.name == node } }
        if !released.isEmpty {
            logger.info("released addresses", metadata: ["network": "\(name)", "nodes": "\(released)"])
        }
        return released
    }

    /// Bridged networks: the reservations kept in the record (no DHCP). An address held by
    /// another node is refused.
    private func recordAddresses(_ reservations: [DHCPReservation], in state: ClusterNetworkState) async throws(ProvisionerError)
        -> [DHCPReservation]
    {
        let current = state.reservations
        for reservation in reservations {
            if let holder = current.first(where: { $0.ip == reservation.ip && $0.node != reservation.node }) {
                throw ProvisionerError(.inUse, "address \(reservation.ip) of network '\(name)' is held by \(holder.node); cannot give it to \(reservation.node)")
            }
        }
        let changed = reservations.filter { !current.contains($0) }
        guard !changed.isEmpty else { return [] }
        try await updateRecord { metadata in
            metadata.addresses.removeAll { old in changed.contains { $0.node == old.node } }
            metadata.addresses += changed
            metadata.addresses.sort { $0.ip < $1.ip }
        }
        logger.info("recorded addresses", metadata: ["network": "\(name)", "reservations": "\(changed)"])
        return changed
    }

    private func ownedNetwork(doing action: String) async throws(ProvisionerError)
        -> (Network, Definitions, ClusterNetworkState)
    {
        guard let network = try await lookUp() else {
            throw ProvisionerError(.notFound, "network '\(name)' of cluster '\(cluster)' does not exist")
        }
        let definitions = try await definitions(of: network)
        let state = try await Self.state(of: network, definitions: definitions)
        try checkOwned(state, doing: action)
        return (network, definitions, state)
    }

    private func check(_ reservation: DHCPReservation, in state: ClusterNetworkState) throws(ProvisionerError) {
        guard let cidr = state.cidr else {
            throw ProvisionerError(.invalidState, "network '\(name)' has no IPv4 address to reserve addresses in")
        }
        guard cidr.nodeAddresses.contains(reservation.ip.value) else {
            throw ProvisionerError(
                .invalidArgument,
                "\(reservation.ip) for \(reservation.node) is not a node address of network '\(name)' "
                    + "(\(IPv4Address(cidr.nodeAddresses.lowerBound))–\(IPv4Address(cidr.nodeAddresses.upperBound)))")
        }
        let hex = reservation.mac.split(separator: ":", omittingEmptySubsequences: false)
        guard hex.count == 6, hex.allSatisfy({ $0.count == 2 && UInt8($0, radix: 16) != nil }), !reservation.node.isEmpty else {
            throw ProvisionerError(
                .invalidArgument, "reservation '\(reservation)' needs a node name and a MAC like 52:54:00:0a:1b:2c")
        }
    }

    /// Computes the changes for the running network and for the persistent definition separately
    /// and carries them out, one `virNetworkUpdate` per change, affecting both at once where the
    /// two need the same change.
    private func apply(
        to network: Network, _ definitions: Definitions,
        _ changes: (String) throws(ProvisionerError) -> [DHCPHostChange]
    ) async throws(ProvisionerError) -> [DHCPHostChange] {
        let live = try definitions.live.map(changes) ?? []
        let config: [DHCPHostChange]
        if let xml = definitions.config {
            config = try changes(xml)
        } else {
            config = definitions.separate ? [] : live  // the driver keeps both as one
        }
        var all = live
        for change in config where !all.contains(change) { all.append(change) }
        for change in all {
            var impact: Network.Impact = []
            if live.contains(change) { impact.insert(.live) }
            if config.contains(change) { impact.insert(.config) }
            try await update(network, change, impact)
        }
        return all
    }

    private func update(_ network: Network, _ change: DHCPHostChange, _ impact: Network.Impact) async throws(ProvisionerError) {
        let command: Network.UpdateCommand
        switch change {
        case .add: command = .addLast
        case .modify: command = .modify
        case .delete: command = .delete
        }
        let xml = try ClusterNetworkXML.hostElement(change.entry)
        try await libvirt("updating DHCP host \(change.entry) in network '\(name)' (\(command))") {
            () async throws(LibvirtError) in
            try await network.update(command: command, section: .ipDHCPHost, xml: xml, flags: impact)
        }
    }
}

extension DHCPHostChange {
    var entry: DHCPHostEntry {
        switch self {
        case .add(let entry), .modify(let entry), .delete(let entry): entry
        }
    }
}
