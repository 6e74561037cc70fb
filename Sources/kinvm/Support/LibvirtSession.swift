import ArgumentParser
import Libvirt
import Logging
import Provisioner

/// The connection a command works on, opened and always closed, with the library's failures
/// turned into one `kinvm: …` line on stderr and exit status 1.
enum LibvirtSession {
    /// Opens `connection`, gives `body` a logger (warnings only: failures reach the user as one
    /// stderr line, and the library's info logs would only repeat them) and the connection, and
    /// closes the connection whatever happens. A ``ProvisionerError`` becomes a `kinvm: …` line
    /// (with `multiline`, its message as is: node failures carry guest logs) and exit 1; other errors (exit codes among them) pass through.
    static func with<T>(
        _ connection: ConnectionOptions, logLabel: String, multiline: Bool = false,
        _ body: (Connection, Logger) async throws -> T
    ) async throws -> T {
        connection.warnIfInsecure()
        let host: Connection
        do {
            host = try await Connection.open(connection.uri)
        } catch {
            Terminal.error("cannot connect to libvirt at '\(connection.uri)': \(error.message)")
            throw ExitCode.failure
        }
        var logger = Logger(label: logLabel)
        logger.logLevel = .warning
        do {
            let result = try await body(host, logger)
            await host.close()
            return result
        } catch let error as ProvisionerError {
            await host.close()
            Terminal.error(multiline ? error.description : oneLine(error))
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
}
