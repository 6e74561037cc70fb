import ArgumentParser

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
}

enum KinvmVersion {
    static let current = "0.1.0-dev"
}
