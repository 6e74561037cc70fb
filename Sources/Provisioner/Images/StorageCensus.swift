import Libvirt

/// Every volume of every active pool and every domain's disks, read once, so that who uses which
/// image can be worked out without more libvirt calls (``ImageUsage``).
struct StorageCensus: Sendable {
    /// One volume as libvirt describes it.
    struct Volume: Sendable, Hashable {
        var pool: String
        var name: String
        var facts: StorageXML.VolumeFacts
        var capacity: UInt64
        var allocation: UInt64
    }

    var volumes: [Volume]
    var domains: [String: [ImageUsage.Disk]]

    /// Reads the census. Volumes and domains that disappear while it is read are skipped.
    static func take(on connection: Connection) async throws(ProvisionerError) -> StorageCensus {
        do {
            var volumes: [Volume] = []
            for pool in try await connection.allStoragePools(.active) {
                for volume in try await pool.allVolumes() {
                    guard let xml = try await skippingVanished({ () async throws(LibvirtError) in try await volume.xml() }),
                        let info = try await skippingVanished({ () async throws(LibvirtError) in try await volume.info() })
                    else { continue }
                    volumes.append(
                        Volume(
                            pool: pool.name, name: volume.name, facts: try StorageXML.volumeFacts(xml, volume: volume.name),
                            capacity: info.capacity, allocation: info.allocation))
                }
            }
            var domains: [String: [ImageUsage.Disk]] = [:]
            for domain in try await connection.allDomains() {
                guard let xml = try await skippingVanished({ () async throws(LibvirtError) in try await domain.xml() })
                else { continue }
                domains[domain.name] = try StorageXML.domainDisks(xml, domain: domain.name)
            }
            volumes.sort { ($0.pool, $0.name) < ($1.pool, $1.name) }
            return StorageCensus(volumes: volumes, domains: domains)
        } catch let error as ProvisionerError {
            throw error
        } catch let error as LibvirtError {
            throw .libvirt("cannot list volumes and domains", error)
        } catch {
            throw ProvisionerError(.libvirt, "cannot list volumes and domains: \(error)")
        }
    }

    /// The volume as an image, with its users.
    func info(of volume: Volume) -> ImageInfo {
        let overlays = volumes.compactMap { other in
            other.facts.backingPath.map {
                ImageUsage.Overlay(pool: other.pool, name: other.name, path: other.facts.path, backingPath: $0)
            }
        }
        let usage = ImageUsage.usage(
            of: ImageUsage.Image(pool: volume.pool, name: volume.name, path: volume.facts.path), domains: domains,
            overlays: overlays)
        return ImageInfo(
            name: volume.name, pool: volume.pool, path: volume.facts.path, format: volume.facts.format,
            capacity: volume.capacity, allocation: volume.allocation, usedBy: usage.domains, overlays: usage.overlays)
    }

    /// The call's value, or nil when the object it reads has gone away meanwhile.
    private static func skippingVanished<T>(_ body: () async throws(LibvirtError) -> T) async throws(LibvirtError) -> T? {
        do {
            return try await body()
        } catch where [.noStorageVol, .noDomain].contains(error.code) {
            return nil
        }
    }
}
