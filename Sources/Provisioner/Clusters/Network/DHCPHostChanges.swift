/// One `virNetworkUpdate` of a network's DHCP hosts (pure value; ``ClusterNetwork`` carries it out).
enum DHCPHostChange: Sendable, Hashable {
    /// No entry has this node's name or MAC: add it.
    case add(DHCPHostEntry)
    /// An entry has this node's name (or MAC) with another MAC, name or address: libvirt's modify
    /// finds it by MAC or name and replaces it.
    case modify(DHCPHostEntry)
    /// Remove this entry, given exactly as the network has it (libvirt's delete matches every
    /// attribute given).
    case delete(DHCPHostEntry)
}

/// What to change in one definition (live or persistent) of a network's DHCP hosts.
enum DHCPHostChanges {
    /// The changes that make `existing` hold every one of `wanted`; nothing for a reservation that
    /// is already there exactly.
    /// - Throws: `.inUse` when a wanted address is held by an entry of another node, which a
    ///   modify would silently take over.
    static func reserve(
        _ wanted: [DHCPReservation], existing: [DHCPHostEntry], network: String
    ) throws(ProvisionerError) -> [DHCPHostChange] {
        var changes: [DHCPHostChange] = []
        for reservation in wanted {
            let entry = DHCPHostEntry(reservation)
            if existing.contains(entry) { continue }
            if let holder = existing.first(where: { $0.ip == entry.ip && $0.name != entry.name && $0.mac != entry.mac }) {
                throw ProvisionerError(
                    .inUse,
                    "cannot reserve \(reservation.ip) for \(reservation.node) in network '\(network)': "
                        + "it is reserved for \(holder.name ?? holder.mac ?? "another host")")
            }
            let matches = existing.contains { $0.name == entry.name || $0.mac == entry.mac }
            changes.append(matches ? .modify(entry) : .add(entry))
        }
        return changes
    }

    /// The deletes that remove every entry named after one of `nodes`; nothing for nodes without one.
    static func release(nodes: [String], existing: [DHCPHostEntry]) -> [DHCPHostChange] {
        let names = Set(nodes)
        return existing.filter { $0.name.map(names.contains) ?? false }.map(DHCPHostChange.delete)
    }
}
