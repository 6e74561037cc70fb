import Libvirt
import Logging

/// Base images in libvirt storage pools: import (checked, streamed, rolled back on failure), list
/// with the guests that use each image, and delete (refused while in use).
public struct ImageStore: Sendable {
    public let connection: Connection
    let logger: Logger

    public init(connection: Connection, logger: Logger = Logger(label: "kinvm.provisioner.images")) {
        self.connection = connection
        self.logger = logger
    }

    // MARK: Import

    /// Imports a qcow2 or raw image file as a new volume of `pool`.
    ///
    /// Everything that can be checked is checked before anything is created: the name, the file's
    /// format (see ``ImageFormat``), its SHA-256 when `expectedSHA256` is given, the pool (exists,
    /// active), that no volume has the name, and the pool's free space. Then the volume is created
    /// (capacity = the file's size, format = the detected one), the file streamed into it, and the
    /// pool refreshed. If anything fails after the volume was created, the volume is deleted and the
    /// original cause reported.
    /// - Parameters:
    ///   - name: the volume name; nil: the file's base name.
    ///   - progress: called from any thread as the checksum is computed and the file sent.
    public func importImage(
        from path: String, name: String? = nil, pool poolName: String, expectedSHA256: String? = nil,
        progress: @escaping @Sendable (ImportProgress) -> Void = { _ in }
    ) async throws(ProvisionerError) -> ImageInfo {
        let name = name ?? Self.baseName(path)
        try Self.validateVolumeName(name)
        let expected = try expectedSHA256.map { (hex) throws(ProvisionerError) in try Self.normalizeSHA256(hex) }
        return try await importFile(path, source: path, name: name, pool: poolName, expectedSHA256: expected, progress: progress)
    }

    /// Imports an image from an http or https URL as a new volume of `pool`.
    ///
    /// The name, checksum syntax, pool and name clash are checked first; then the image is
    /// downloaded into a private directory in `$TMPDIR` (removed afterwards, whatever happens)
    /// and imported like a file (see ``importImage(from:name:pool:expectedSHA256:progress:)``).
    /// Errors name the URL, never the temporary file.
    /// - Parameters:
    ///   - name: the volume name; nil: the URL's last path component (without the query).
    ///   - idleTimeout: how long to wait for the server to answer or send more bytes.
    ///   - progress: the download (`.downloading`; total 0 when the server sent no length), then
    ///     the checksum and upload phases.
    /// - Throws: also `.fileUnreadable` when the server answers with an error status, cannot be
    ///   reached or sends fewer bytes than announced; `.timeout`; `.cancelled`.
    public func importImage(
        fromURL source: String, name: String? = nil, pool poolName: String, expectedSHA256: String? = nil,
        idleTimeout: Duration = .seconds(60), progress: @escaping @Sendable (ImportProgress) -> Void = { _ in }
    ) async throws(ProvisionerError) -> ImageInfo {
        let url = try ImageDownload.url(source)
        let shown = ImageDownload.displayed(source)
        let name = name ?? ImageDownload.defaultVolumeName(for: url)
        do throws(ProvisionerError) {
            try Self.validateVolumeName(name)
        } catch {
            throw ProvisionerError(.invalidArgument, "\(error.message) (from '\(shown)'); give one with --name")
        }
        let expected = try expectedSHA256.map { (hex) throws(ProvisionerError) in try Self.normalizeSHA256(hex) }
        // Everything that can be checked is checked before a possibly long download.
        try await checkNameFree(name, in: try await connection.activePool(poolName))
        return try await ImageDownload.withTemporaryDirectory { directory throws(ProvisionerError) in
            let path = "\(directory)/download"
            do throws(ProvisionerError) {
                try await ImageDownload.download(url, to: path, idleTimeout: idleTimeout) { received, total in
                    progress(ImportProgress(phase: .downloading, bytesDone: received, totalBytes: total ?? 0))
                }
            } catch {
                throw ProvisionerError(error.code, error.message + "; nothing was imported", underlying: error.underlying)
            }
            logger.info("downloaded image", metadata: ["url": "\(shown)", "volume": "\(name)"])
            return try await importFile(
                path, source: shown, name: name, pool: poolName, expectedSHA256: expected, progress: progress)
        }
    }

    /// The import proper; `source` is what messages call the file (its path, or the URL it came from).
    private func importFile(
        _ path: String, source: String, name: String, pool poolName: String, expectedSHA256 expected: String?,
        progress: @escaping @Sendable (ImportProgress) -> Void
    ) async throws(ProvisionerError) -> ImageInfo {
        let file: ImageFile
        do throws(ProvisionerError) {
            file = try await ImageFile.inspect(path)
        } catch {
            guard source != path else { throw error }
            let message = error.message.replacingOccurrences(of: "'\(path)'", with: "'\(source)'")
            throw ProvisionerError(error.code, message, underlying: error.underlying)
        }
        if let expected {
            let actual = try await file.sha256 {
                progress(ImportProgress(phase: .verifying, bytesDone: $0, totalBytes: file.size))
            }
            guard actual == expected else {
                throw ProvisionerError(
                    .checksumMismatch, "the SHA-256 of '\(source)' is \(actual), but \(expected) was expected; nothing was imported")
            }
        }
        let pool = try await connection.activePool(poolName)
        try await checkRoom(for: file, named: name, in: pool)
        let xml = try StorageXML.volume(name: name, capacity: file.size, format: file.probe.format)
        let volume: StorageVolume
        do {
            volume = try await pool.createVolume(xml: xml)
        } catch {
            throw .libvirt("cannot create volume '\(name)' in pool '\(poolName)'", error)
        }
        logger.info(
            "importing image", metadata: ["source": "\(source)", "volume": "\(name)", "pool": "\(poolName)",
                "format": "\(file.probe.format)", "bytes": "\(file.size)"])
        do {
            try await upload(file, source: source, into: volume, progress: progress)
            try await refresh(pool)
            return try await describe(try await lookUp(name, in: pool), in: pool)
        } catch {
            try? await volume.delete()
            logger.info("import failed, volume deleted", metadata: ["volume": "\(name)", "pool": "\(poolName)"])
            throw error
        }
    }

    private func checkNameFree(_ name: String, in pool: StoragePool) async throws(ProvisionerError) {
        let present: StorageVolume?
        do {
            present = try await pool.volumeIfPresent(named: name)
        } catch {
            throw .libvirt("cannot inspect pool '\(pool.name)'", error)
        }
        if present != nil {
            throw ProvisionerError(
                .alreadyExists, "a volume named '\(name)' already exists in pool '\(pool.name)'; choose another --name or delete it first")
        }
    }

    private func checkRoom(for file: ImageFile, named name: String, in pool: StoragePool) async throws(ProvisionerError) {
        do {
            try await checkNameFree(name, in: pool)
            let available = try await pool.info().available
            guard available >= file.size else {
                throw ProvisionerError(
                    .insufficientSpace,
                    "pool '\(pool.name)' has \(available) bytes free, but the image needs \(file.size) bytes")
            }
        } catch let error as ProvisionerError {
            throw error
        } catch let error as LibvirtError {
            throw .libvirt("cannot inspect pool '\(pool.name)'", error)
        } catch {
            throw ProvisionerError(.libvirt, "cannot inspect pool '\(pool.name)': \(error)")
        }
    }

    private func upload(
        _ file: ImageFile, source: String, into volume: StorageVolume, progress: @escaping @Sendable (ImportProgress) -> Void
    ) async throws(ProvisionerError) {
        do {
            try await volume.upload(from: .file(path: file.path), length: file.size) { sent in
                progress(ImportProgress(phase: .uploading, bytesDone: sent, totalBytes: file.size))
            }
        } catch {
            throw .libvirt("cannot upload '\(source)' into volume '\(volume.name)'", error)
        }
    }

    /// Refreshes the pool, retrying with a short backoff while libvirt reports jobs still running on it.
    private func refresh(_ pool: StoragePool) async throws(ProvisionerError) {
        var attempt = 0
        while true {
            do {
                try await pool.refresh()
                return
            } catch where error.message.contains("asynchronous jobs") && attempt < 6 {
                attempt += 1
                try? await Task.sleep(for: .milliseconds(100 * attempt))
            } catch {
                throw .libvirt("cannot refresh pool '\(pool.name)'", error)
            }
        }
    }

    // MARK: List and delete

    /// The volumes of `pool` (nil: of every active pool), sorted by pool and name, each with the
    /// domains and overlays that use it.
    public func listImages(pool poolName: String? = nil) async throws(ProvisionerError) -> [ImageInfo] {
        let census = try await StorageCensus.take(on: connection)
        if let poolName { _ = try await connection.activePool(poolName) }
        return census.volumes.filter { poolName == nil || $0.pool == poolName }.map { census.info(of: $0) }
    }

    /// Deletes an image's volume.
    ///
    /// Refused (`.inUse`) while a domain uses the image, directly or through an overlay, and —
    /// unless `force` — while an overlay volume still has it as its backing store.
    /// - Returns: the image as it was before deletion.
    @discardableResult
    public func deleteImage(name: String, pool poolName: String, force: Bool = false) async throws(ProvisionerError)
        -> ImageInfo
    {
        let pool = try await connection.activePool(poolName)
        let volume = try await lookUp(name, in: pool)
        let census = try await StorageCensus.take(on: connection)
        guard let record = census.volumes.first(where: { $0.pool == poolName && $0.name == name }) else {
            throw ProvisionerError(.notFound, "no image named '\(name)' in pool '\(poolName)'")
        }
        let image = census.info(of: record)
        let overlays = image.overlays.joined(separator: ", ")
        if !image.usedBy.isEmpty {
            let via = image.overlays.isEmpty ? "" : " (overlays: \(overlays))"
            throw ProvisionerError(
                .inUse,
                "image '\(name)' in pool '\(poolName)' is in use by \(image.usedBy.joined(separator: ", "))\(via); remove those guests first")
        }
        if !image.overlays.isEmpty, !force {
            throw ProvisionerError(
                .inUse, "image '\(name)' in pool '\(poolName)' is the backing store of \(overlays); delete those volumes first, or force")
        }
        do {
            try await volume.delete()
        } catch {
            throw .libvirt("cannot delete volume '\(name)' in pool '\(poolName)'", error)
        }
        logger.info("deleted image", metadata: ["volume": "\(name)", "pool": "\(poolName)"])
        return image
    }

    // MARK: Helpers

    private func lookUp(_ name: String, in pool: StoragePool) async throws(ProvisionerError) -> StorageVolume {
        do {
            return try await pool.volume(named: name)
        } catch where error.code == .noStorageVol {
            throw ProvisionerError(.notFound, "no image named '\(name)' in pool '\(pool.name)'", underlying: error)
        } catch {
            throw .libvirt("cannot look up volume '\(name)' in pool '\(pool.name)'", error)
        }
    }

    private func describe(_ volume: StorageVolume, in pool: StoragePool) async throws(ProvisionerError) -> ImageInfo {
        do {
            let facts = try StorageXML.volumeFacts(try await volume.xml(), volume: volume.name)
            let info = try await volume.info()
            return ImageInfo(
                name: volume.name, pool: pool.name, path: facts.path, format: facts.format, capacity: info.capacity,
                allocation: info.allocation)
        } catch let error as ProvisionerError {
            throw error
        } catch let error as LibvirtError {
            throw .libvirt("cannot read volume '\(volume.name)'", error)
        } catch {
            throw ProvisionerError(.libvirt, "cannot read volume '\(volume.name)': \(error)")
        }
    }

    /// The last path component of `path`.
    public static func baseName(_ path: String) -> String {
        String(path.split(separator: "/").last ?? "")
    }

    /// A libvirt volume name: not empty, no '/', not '.' or '..', no control characters.
    public static func validateVolumeName(_ name: String) throws(ProvisionerError) {
        let reason: String? =
            if name.isEmpty { "it is empty" }
            else if name == "." || name == ".." { "'.' and '..' are not file names" }
            else if name.contains("/") { "it contains '/'" }
            else if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                "it contains control characters"
            } else { nil }
        if let reason { throw ProvisionerError(.invalidArgument, "invalid image name '\(name)': \(reason)") }
    }

    /// 64 hex digits, lowercased.
    public static func normalizeSHA256(_ hex: String) throws(ProvisionerError) -> String {
        let lower = hex.lowercased()
        guard lower.count == 64, lower.allSatisfy(\.isHexDigit) else {
            throw ProvisionerError(.invalidArgument, "'\(hex)' is not a SHA-256 (64 hex digits)")
        }
        return lower
    }
}
