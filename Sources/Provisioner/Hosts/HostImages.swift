import Crypto
import DomainTemplates
import Foundation
import Libvirt
import Logging

/// Files on this machine that every host of a cluster needs: the base image and, for direct kernel
/// boot, the kernel and initrd (`spec.imageSource`).
public struct ImageSource: Sendable, Hashable, Codable {
    /// The image file (qcow2 or raw).
    public var file: String
    /// Its expected SHA-256 (64 hex digits); nil: whatever the file hashes to.
    public var sha256: String?

    public init(file: String, sha256: String? = nil) {
        self.file = file
        self.sha256 = sha256
    }
}

/// Brings a cluster's image (and boot files) to a host through libvirt streams, once, and checks
/// what the host holds against the file's SHA-256 by reading the volume back through a stream.
///
/// Never through shared files or scp: a host needs only its libvirt connection. A volume already
/// there is not sent again; it is read back and hashed, and a mismatch is an error (kinvm never
/// overwrites a volume it finds). Boot files become raw volumes `VOLUME.kernel` and
/// `VOLUME.initrd` next to the image, and guests boot from their paths on that host.
public struct HostImages: Sendable {
    public let source: ImageSource
    public let image: VolumeRef
    public let boot: DirectBoot?
    let digests: [String: String]
    let logger: Logger

    /// What was done on one host.
    public struct Outcome: Sendable, Codable, Hashable {
        public var host: String
        /// Volumes sent to the host, `pool/volume`.
        public var uploaded: [String]
        /// Volumes found and verified, `pool/volume`.
        public var verified: [String]
        public var seconds: Double
    }

    /// Hashes the local files once (and checks the image against `source.sha256`).
    public static func prepare(source: ImageSource, image: VolumeRef, boot: DirectBoot?, logger: Logger) async throws(ProvisionerError)
        -> HostImages
    {
        var digests: [String: String] = [:]
        for file in [source.file] + [boot?.kernel, boot?.initrd].compactMap({ $0 }) where digests[file] == nil {
            digests[file] = try await ImageFile.sha256(ofFile: file)
        }
        if let expected = source.sha256 {
            let normalized = try ImageStore.normalizeSHA256(expected)
            guard digests[source.file] == normalized else {
                throw ProvisionerError(
                    .checksumMismatch,
                    "the SHA-256 of \(source.file) is \(digests[source.file] ?? "?"), but spec.imageSource.sha256 says \(normalized)")
            }
        }
        return HostImages(source: source, image: image, boot: boot, digests: digests, logger: logger)
    }

    /// The image and boot files on `member`'s host; returns the boot paths to use there.
    public func ensure(on member: HostFleet.Member, progress: @Sendable (String) -> Void) async throws(ProvisionerError)
        -> (boot: DirectBoot?, outcome: Outcome)
    {
        let clock = ContinuousClock()
        let start = clock.now
        var outcome = Outcome(host: member.host.name, uploaded: [], verified: [], seconds: 0)
        let store = ImageStore(connection: member.connection, logger: logger)
        let pool = try await member.connection.activePool(image.pool)
        if try await volume(image.volume, in: pool) == nil {
            progress("sending image \(source.file) to host \(member.host.name) (\(image))")
            _ = try await store.importImage(from: source.file, name: image.volume, pool: image.pool, expectedSHA256: digests[source.file])
            outcome.uploaded.append(image.description)
        } else {
            outcome.verified.append(image.description)
        }
        try await verify(image.volume, in: pool, file: source.file, host: member.host.name, progress: progress)
        var hostBoot = boot
        if let boot {
            hostBoot?.kernel = try await ensureRaw(boot.kernel, named: "\(image.volume).kernel", in: pool, member: member, outcome: &outcome, progress: progress)
            if let initrd = boot.initrd {
                hostBoot?.initrd = try await ensureRaw(initrd, named: "\(image.volume).initrd", in: pool, member: member, outcome: &outcome, progress: progress)
            }
        }
        outcome.seconds = NodeManager.seconds(start.duration(to: clock.now))
        return (hostBoot, outcome)
    }

    /// A boot file as a raw volume: sent when missing, then verified; its path on the host.
    private func ensureRaw(
        _ file: String, named name: String, in pool: StoragePool, member: HostFleet.Member, outcome: inout Outcome,
        progress: @Sendable (String) -> Void
    ) async throws(ProvisionerError) -> String {
        if try await volume(name, in: pool) == nil {
            progress("sending \(file) to host \(member.host.name) (\(pool.name)/\(name))")
            let size: UInt64
            do {
                size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.uint64Value ?? 0
            } catch {
                throw ProvisionerError(.fileUnreadable, "cannot read \(file): \(error.localizedDescription)")
            }
            let document = try StorageXML.volume(name: name, capacity: size, format: .raw)
            do throws(LibvirtError) {
                let created = try await pool.createVolume(xml: document)
                do throws(LibvirtError) {
                    try await created.upload(from: .file(path: file))
                } catch {
                    try? await created.delete()
                    throw error
                }
            } catch {
                throw .libvirt("cannot send \(file) to host \(member.host.name) as \(pool.name)/\(name)", error)
            }
            outcome.uploaded.append("\(pool.name)/\(name)")
        } else {
            outcome.verified.append("\(pool.name)/\(name)")
        }
        let volume = try await verify(name, in: pool, file: file, host: member.host.name, progress: progress)
        do {
            return try await volume.path()
        } catch {
            throw .libvirt("cannot read the path of \(pool.name)/\(name) on host \(member.host.name)", error)
        }
    }

    private func volume(_ name: String, in pool: StoragePool) async throws(ProvisionerError) -> StorageVolume? {
        do {
            try await pool.refresh()
            return try await pool.volumeIfPresent(named: name)
        } catch {
            throw .libvirt("cannot look up volume \(pool.name)/\(name)", error)
        }
    }

    /// Reads the volume back through a stream and compares its SHA-256 with the file's.
    @discardableResult
    private func verify(_ name: String, in pool: StoragePool, file: String, host: String, progress: @Sendable (String) -> Void)
        async throws(ProvisionerError) -> StorageVolume
    {
        guard let volume = try await volume(name, in: pool), let expected = digests[file] else {
            throw ProvisionerError(.notFound, "volume \(pool.name)/\(name) is missing on host \(host) right after it was sent")
        }
        let hasher = StreamHasher()
        do {
            try await volume.download { hasher.update($0) }
        } catch {
            throw .libvirt("cannot read \(pool.name)/\(name) back from host \(host) to check it", error)
        }
        let actual = hasher.hex
        guard actual == expected else {
            throw ProvisionerError(
                .checksumMismatch,
                "host \(host) holds \(pool.name)/\(name) with SHA-256 \(actual), but \(file) has \(expected); kinvm does not "
                    + "overwrite it: delete that volume on \(host) (kinvm image delete) or name another volume in spec.image")
        }
        logger.info("verified volume", metadata: ["host": "\(host)", "volume": "\(pool.name)/\(name)", "sha256": "\(actual)"])
        return volume
    }
}

/// A SHA-256 fed chunk by chunk from a download.
private final class StreamHasher: @unchecked Sendable {
    // @unchecked: fed from one download at a time, read after it finished.
    private var hasher = SHA256()
    func update(_ bytes: [UInt8]) { hasher.update(data: bytes) }
    var hex: String { hasher.finalize().map { String(format: "%02x", $0) }.joined() }
}
