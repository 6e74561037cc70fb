import Libvirt

extension Connection {
    /// The storage pool named `name`, which must exist (else the error lists the pools there are)
    /// and be active: where images are imported and guests' volumes are created.
    func activePool(_ name: String) async throws(ProvisionerError) -> StoragePool {
        do {
            guard let pool = try await storagePoolIfPresent(named: name) else {
                let known = try await allStoragePools().map(\.name).sorted()
                throw ProvisionerError(
                    .poolNotFound,
                    "no storage pool named '\(name)' (pools: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
            }
            guard try await pool.isActive() else {
                throw ProvisionerError(.poolInactive, "storage pool '\(name)' is not active; start it first")
            }
            return pool
        } catch let error as ProvisionerError {
            throw error
        } catch let error as LibvirtError {
            throw .libvirt("cannot look up storage pool '\(name)'", error)
        } catch {
            throw ProvisionerError(.libvirt, "cannot look up storage pool '\(name)': \(error)")
        }
    }
}
