import Libvirt

extension ClusterManager {
    /// What can be checked on the hosts before `create` makes anything (the network first): on each
    /// reachable host of the spec, the storage pool for the nodes' volumes exists and is active
    /// and, unless `spec.imageSource` brings it, the image is there. Placement (room for every
    /// node) is checked by ``ensureNetwork(_:progress:)`` before it defines the network.
    func preflight(_ spec: ClusterSpec) async throws(ProvisionerError) {
        for member in reachableHosts(of: spec) {
            let where_ = fleet.members.count > 1 ? " on host \(member.host.name)" : ""
            do throws(ProvisionerError) {
                _ = try await member.connection.activePool(spec.storagePool)
                guard spec.imageSource == nil else { continue }
                let pool = try await member.connection.activePool(spec.image.pool)
                let image: StorageVolume?
                do throws(LibvirtError) {
                    image = try await pool.volumeIfPresent(named: spec.image.volume)
                } catch {
                    throw .libvirt("cannot look up the image \(spec.image)", error)
                }
                guard image != nil else {
                    throw ProvisionerError(
                        .notFound,
                        "no image \(spec.image) (spec.image): import it with `kinvm image import`, or give spec.imageSource")
                }
            } catch {
                throw ProvisionerError(error.code, error.message + where_ + "; nothing was created", underlying: error.underlying)
            }
        }
    }
}
