import ArgumentParser
import Libvirt
import Logging
import Provisioner

/// `kinvm vm …`: guests (libvirt domains) kinvm creates, lists, starts, stops, resizes and deletes.
struct VMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vm",
        abstract: "Create, list, start, stop, resize and delete guests (libvirt domains).",
        discussion: """
            Commands that change or delete a guest refuse domains kinvm did not create (they carry \
            no kinvm metadata) unless --force is given. Progress goes to stderr as \
            "[  12.3s] web-1: uploading seed" lines, so stdout stays machine-readable.

            Exit status: 0 on success, 1 when the work failed (a "kinvm: …" line on stderr says \
            why), 64 on bad arguments, 130 when interrupted (Ctrl-C during create or resize \
            cancels the work and rolls back what it made; during start, ip or exec it stops \
            waiting). `vm exec` exits with the command's status.
            """,
        subcommands: [
            VMCreate.self, VMList.self, VMGet.self, VMStart.self, VMStop.self, VMDelete.self, VMConsole.self,
            VMIP.self, VMExec.self, VMResize.self,
        ])
}

extension VMCommand {
    /// Opens the connection, runs `body` with a guest manager on it, and turns a failure into one
    /// `kinvm: …` line on stderr and exit status 1. Exit codes thrown by `body` pass through.
    static func withGuests<T>(_ connection: ConnectionOptions, _ body: (GuestManager) async throws -> T) async throws -> T {
        try await LibvirtSession.with(connection, logLabel: "kinvm.guests") { host, logger in
            try await body(GuestManager(connection: host, logger: logger))
        }
    }

    /// A library error as one stderr line.
    static func oneLine(_ error: ProvisionerError) -> String { LibvirtSession.oneLine(error) }

    /// Prints a failure per guest (`kinvm: NAME: message`).
    static func reportFailure(_ name: String, _ error: ProvisionerError) {
        Terminal.error("\(name): \(oneLine(error))")
    }
}
