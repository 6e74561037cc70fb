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
        let host: Connection
        do {
            host = try await Connection.open(connection.uri)
        } catch {
            Terminal.error("cannot connect to libvirt at '\(connection.uri)': \(error.message)")
            throw ExitCode.failure
        }
        do {
            // Failures reach the user as one stderr line; the manager's info logs would only repeat them.
            var logger = Logger(label: "kinvm.guests")
            logger.logLevel = .warning
            let result = try await body(GuestManager(connection: host, logger: logger))
            await host.close()
            return result
        } catch let error as ProvisionerError {
            await host.close()
            Terminal.error(oneLine(error))
            throw ExitCode.failure
        } catch {
            await host.close()
            throw error
        }
    }

    /// A library error as one stderr line.
    static func oneLine(_ error: ProvisionerError) -> String {
        error.description.replacingOccurrences(of: "\n", with: " ")
    }

    /// Prints a failure per guest (`kinvm: NAME: message`).
    static func reportFailure(_ name: String, _ error: ProvisionerError) {
        Terminal.error("\(name): \(oneLine(error))")
    }
}
