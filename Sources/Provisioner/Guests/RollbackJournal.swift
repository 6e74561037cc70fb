import DomainTemplates
import Libvirt
import Logging

/// What one `create` has made so far, by the objects libvirt handed back (never looked up by
/// name again), so that a failure undoes exactly that and nothing another caller made.
struct RollbackJournal: Sendable {
    enum Entry: Sendable {
        /// A volume this create made (`createVolume` returned it).
        case volume(StorageVolume, VolumeRef)
        /// A domain this create defined (its UUID is the new one).
        case defined(Domain)
        /// The domain was started.
        case started(Domain)
    }

    private(set) var entries: [Entry] = []

    mutating func record(_ entry: Entry) { entries.append(entry) }

    /// What rolling back did.
    struct Outcome: Sendable {
        /// What was undone, e.g. "destroyed domain", "deleted volume default/web-root.qcow2".
        var undone: [String] = []
        /// What could not be undone and why.
        var left: [String] = []
    }

    /// Undoes every entry, newest first: destroy, undefine, delete the volumes. Goes on after a
    /// failure, never sleeps and does not look at task cancellation (libvirt calls ignore it), so
    /// it also completes in a cancelled task.
    func undo(logger: Logger) async -> Outcome {
        var outcome = Outcome()
        for entry in entries.reversed() {
            switch entry {
            case .started(let domain):
                do {
                    if try await domain.isActive() { try await domain.destroy() }
                    outcome.undone.append("stopped domain '\(domain.name)'")
                } catch {
                    outcome.left.append("domain '\(domain.name)' may still be running (\(error.message))")
                }
            case .defined(let domain):
                do {
                    try await DomainRemoval.undefine(domain)
                    outcome.undone.append("undefined domain '\(domain.name)'")
                } catch where error.code == .noDomain {
                    outcome.undone.append("domain '\(domain.name)' was already gone")
                } catch {
                    outcome.left.append("domain '\(domain.name)' (uuid \(domain.uuid)) is still defined (\(error.message))")
                }
            case .volume(let volume, let ref):
                do {
                    try await volume.delete()
                    outcome.undone.append("deleted volume \(ref)")
                } catch where error.code == .noStorageVol {
                    outcome.undone.append("volume \(ref) was already gone")
                } catch {
                    outcome.left.append("volume \(ref) (\(error.message))")
                }
            }
        }
        logger.info(
            "rolled back a failed create",
            metadata: ["undone": "\(outcome.undone.joined(separator: "; "))", "left": "\(outcome.left.joined(separator: "; "))"])
        return outcome
    }
}

/// Removing a domain definition the way `create`'s rollback and `delete` both need.
enum DomainRemoval {
    /// The flags `undefine` tries first: also drop a managed save image, snapshot metadata and NVRAM.
    static let undefineFlags: Domain.UndefineFlags = [.managedSave, .snapshotsMetadata, .nvram]

    /// Undefines with ``undefineFlags``; when the driver refuses a flag, once more without flags.
    static func undefine(_ domain: Domain) async throws(LibvirtError) {
        do {
            try await domain.undefine(flags: undefineFlags)
        } catch where [.invalidArg, .argumentUnsupported, .notSupported, .operationUnsupported].contains(error.code) {
            try await domain.undefine()
        }
    }
}
