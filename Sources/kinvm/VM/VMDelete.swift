import ArgumentParser
import Provisioner

struct VMDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete guests: power off, undefine, and delete the volumes kinvm created for them.",
        discussion: """
            Volumes the guest used but kinvm did not create (e.g. the base image, disks attached by \
            hand) are kept and listed. Domains kinvm did not create are refused unless --force.
            """)

    @Argument(help: "Guest names.")
    var names: [String]

    @Flag(help: "Also delete domains kinvm did not create (their volumes are kept).")
    var force = false

    @Flag(help: "A guest that does not exist is not an error.")
    var ignoreNotFound = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let failed = try await VMCommand.withGuests(connection) { guests in
            var failed = false
            for name in names {
                do throws(ProvisionerError) {
                    print(Self.describe(try await guests.delete(name, force: force)))
                } catch where ignoreNotFound && error.code == .notFound {
                    continue
                } catch {
                    failed = true
                    VMCommand.reportFailure(name, error)
                }
            }
            return failed
        }
        if failed { throw ExitCode.failure }
    }

    static func describe(_ deletion: GuestDeletion) -> String {
        var lines = ["deleted \(deletion.name)" + (deletion.wasRunning ? " (it was running: powered off)" : "")]
        lines += deletion.deletedVolumes.map { "  deleted volume \($0)" }
        lines += deletion.keptVolumes.map { "  kept volume \($0) (not created by kinvm)" }
        if let log = deletion.consoleLog {
            lines.append(deletion.consoleLogDeleted ? "  deleted console log \(log)" : "  kept console log \(log)")
        }
        return lines.joined(separator: "\n")
    }
}
