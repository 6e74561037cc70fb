import ArgumentParser
import Foundation

/// The `kinvm` command: Kubernetes nodes in libvirt guests.
@main
struct Kinvm: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kinvm",
        abstract: "Manage libvirt guests as ephemeral Kubernetes nodes.",
        discussion: """
            kinvm talks to libvirt through its C API (no virsh needed). Point it at a host with \
            --connect or the KINVM_CONNECT / LIBVIRT_DEFAULT_URI environment variables; the default \
            is qemu:///system.
            """,
        version: KinvmVersion.current,
        subcommands: [
            DoctorCommand.self, TemplateCommand.self, ImageCommand.self, VMCommand.self, NodeCommand.self, ClusterCommand.self, GCCommand.self,
            HostCommand.self,
        ]
    )

    /// ArgumentParser's main, with usage errors bounded (``BoundedMessage``): its messages repeat
    /// the offending value, whatever its size. Help and version output are printed as they are.
    static func main() async {
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exitBounded(error)
        }
        do {
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                var command = command
                try command.run()
            }
        } catch {
            exitBounded(error)
        }
    }

    private static func exitBounded(_ error: any Error) -> Never {
        let code = exitCode(for: error)
        let message = fullMessage(for: error)
        if !message.isEmpty {
            if code == .success {
                print(message)
            } else {
                FileHandle.standardError.write(Data((BoundedMessage.bounded(message) + "\n").utf8))
            }
        }
        Foundation.exit(code.rawValue)
    }
}

enum KinvmVersion {
    static let current = "0.1.0-dev"
}
