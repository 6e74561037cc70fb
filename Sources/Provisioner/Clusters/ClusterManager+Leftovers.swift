import Libvirt

extension GuestManager {
    /// Volumes in `pools` named like node volumes of `cluster`, each marked a provable leftover or
    /// kept with why (``LeftoverVolumes``), from one census of this host; `nodes` narrows to
    /// those nodes. `network`: the cluster's network on this host (its record), `host`: this host's
    /// name in the record; `assumingDeleted`: guests a dry run counts as deleted, with their volumes.
    func leftoverVolumes(
        of cluster: String, network: ClusterNetworkState?, host: String, pools: Set<String>, only nodes: Set<String>? = nil,
        assumingDeleted deleted: [GuestDeletion] = []
    ) async throws(ProvisionerError) -> [LeftoverVolumes.Finding] {
        var census = try await StorageCensus.take(on: connection)
        let gone = Set(deleted.flatMap(\.deletedVolumes))
        for guest in deleted { census.domains[guest.name] = nil }
        census.volumes.removeAll { gone.contains("\($0.pool)/\($0.name)") }
        let overlays = census.volumes.compactMap { volume in
            volume.facts.backingPath.map {
                ImageUsage.Overlay(pool: volume.pool, name: volume.name, path: volume.facts.path, backingPath: $0)
            }
        }
        return LeftoverVolumes.findings(
            cluster: cluster, record: LeftoverVolumes.Record(network, host: host), pools: pools,
            volumes: census.volumes.map { ($0.pool, $0.name, $0.facts.path) }, domains: census.domains, overlays: overlays, only: nodes)
    }

    /// Deletes the findings that are leftovers (ones already gone are fine); returns `pool/volume`
    /// of each deleted.
    func deleteLeftovers(_ findings: [LeftoverVolumes.Finding], progress: (LeftoverVolumes.Finding) -> Void = { _ in })
        async throws(ProvisionerError) -> [String]
    {
        var deleted: [String] = []
        for finding in findings where finding.keptBecause == nil {
            do throws(LibvirtError) {
                guard let pool = try await connection.storagePoolIfPresent(named: finding.pool),
                    let volume = try await pool.volumeIfPresent(named: finding.volume)
                else { continue }
                progress(finding)
                try await volume.delete()
                logger.info("deleted a volume an interrupted create left", metadata: ["volume": "\(finding.label)"])
                deleted.append(finding.label)
            } catch where error.code == .noStorageVol {
                continue
            } catch {
                throw .libvirt("cannot delete volume \(finding.label) an interrupted create left", error)
            }
        }
        return deleted
    }
}

extension ClusterManager {
    /// Before (re)creating `node` on `host`: deletes the volumes an interrupted create of it left
    /// there, when the cluster's record there proves kinvm made them; others of that name are kept
    /// (the create then refuses to overwrite them, saying so).
    func removeLeftoverVolumes(of node: String, spec: ClusterSpec, on host: HostFleet.Member) async throws(ProvisionerError) {
        let network = try await ClusterNetwork(name: spec.network.name, cluster: spec.name, on: host.connection, logger: logger).state()
        let findings = try await host.guests.leftoverVolumes(
            of: spec.name, network: network, host: host.host.name, pools: [spec.storagePool], only: [node])
        for finding in findings {
            if let reason = finding.keptBecause {
                logger.warning("kept a volume named like a node volume", metadata: ["volume": "\(finding.label)", "reason": "\(reason)"])
            }
        }
        _ = try await host.guests.deleteLeftovers(findings)
    }
}
