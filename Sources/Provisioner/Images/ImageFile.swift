import Crypto
import Dispatch
import Foundation

/// A local image file about to be imported: its length, its format, its checksum.
///
/// File reads block, so each runs on a Dispatch queue, never on the Swift concurrency pool. The
/// file is read in 1 MiB chunks and never loaded whole.
struct ImageFile: Sendable {
    let path: String
    let size: UInt64
    let probe: ImageFormat.Probe

    static let chunkSize = 1 << 20

    /// Opens `path`, reads its head and tail and detects its format.
    /// - Throws: `.fileUnreadable` when it cannot be read or is not a regular file;
    ///   `.unsupportedFormat` (see ``ImageFormat/detect(header:trailer:fileSize:)``).
    static func inspect(_ path: String) async throws(ProvisionerError) -> ImageFile {
        let result = await offPool { () -> Result<ImageFile, ProvisionerError> in
            do throws(ProvisionerError) {
                let (handle, size) = try open(path)
                defer { try? handle.close() }
                let header = try read(handle, path, at: 0, count: ImageFormat.headerLength)
                let tailStart = size > UInt64(ImageFormat.trailerLength) ? size - UInt64(ImageFormat.trailerLength) : 0
                let trailer = try read(handle, path, at: tailStart, count: ImageFormat.trailerLength)
                do throws(ProvisionerError) {
                    let probe = try ImageFormat.detect(header: header, trailer: trailer, fileSize: size)
                    return .success(ImageFile(path: path, size: size, probe: probe))
                } catch {
                    throw ProvisionerError(error.code, "'\(path)' cannot be imported: \(error.message)")
                }
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The file's SHA-256 as 64 lowercase hex digits; `progress` gets the bytes hashed so far.
    func sha256(progress: @escaping @Sendable (UInt64) -> Void) async throws(ProvisionerError) -> String {
        try await Self.sha256(ofFile: path, progress: progress)
    }

    /// The SHA-256 of any file (an image, a kernel), as 64 lowercase hex digits.
    static func sha256(ofFile path: String, progress: @escaping @Sendable (UInt64) -> Void = { _ in }) async throws(ProvisionerError)
        -> String
    {
        let result = await Self.offPool { () -> Result<String, ProvisionerError> in
            do throws(ProvisionerError) {
                let (handle, _) = try Self.open(path)
                defer { try? handle.close() }
                var hasher = SHA256()
                var done: UInt64 = 0
                while true {
                    let chunk = try Self.read(handle, path, at: nil, count: Self.chunkSize)
                    if chunk.isEmpty { break }
                    hasher.update(data: chunk)
                    done += UInt64(chunk.count)
                    progress(done)
                }
                return .success(hasher.finalize().map { String(format: "%02x", $0) }.joined())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    // MARK: Blocking helpers (run off the concurrency pool)

    private static func open(_ path: String) throws(ProvisionerError) -> (FileHandle, UInt64) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ProvisionerError(.fileUnreadable, "'\(path)' does not exist")
        }
        guard !isDirectory.boolValue else { throw ProvisionerError(.fileUnreadable, "'\(path)' is a directory") }
        // A device or pipe has no size to check against (`/dev/zero` never ends): regular files only.
        guard (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeRegular else {
            throw ProvisionerError(.fileUnreadable, "'\(path)' is not a regular file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ProvisionerError(.fileUnreadable, "cannot open '\(path)' for reading")
        }
        do {
            let size = try handle.seekToEnd()
            try handle.seek(toOffset: 0)
            return (handle, size)
        } catch {
            try? handle.close()
            throw ProvisionerError(.fileUnreadable, "cannot read '\(path)': \(error.localizedDescription)")
        }
    }

    private static func read(_ handle: FileHandle, _ path: String, at offset: UInt64?, count: Int)
        throws(ProvisionerError) -> [UInt8]
    {
        do {
            if let offset { try handle.seek(toOffset: offset) }
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        } catch {
            throw ProvisionerError(.fileUnreadable, "cannot read '\(path)': \(error.localizedDescription)")
        }
    }

    private static func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .utility).async { continuation.resume(returning: work()) }
        }
    }
}
