import ArgumentParser
import DomainTemplates
import Foundation

/// `kinvm template …`: the XML templates guests, networks and pools are made from.
struct TemplateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "template",
        abstract: "List, show, render and validate libvirt XML templates.",
        discussion: """
            Templates are plain libvirt XML files. kinvm looks for them in $KINVM_TEMPLATE_PATH \
            (colon-separated) if set, else in ~/.config/kinvm/templates (or \
            $XDG_CONFIG_HOME/kinvm/templates) and then in the templates kinvm ships; a user \
            template with the same name wins. Each directory holds domains/, networks/ and pools/.

            kinvm sets only these fields of a domain template: the domain type (kvm/qemu), name, \
            UUID, vCPUs (current and ceiling), memory (current and ceiling), the disks, seed disk \
            and NICs marked with <alias name='ua-kinvm-…'/>, the first serial port's log file, and \
            its own <metadata>. Everything else is kept exactly as written.
            """,
        subcommands: [TemplateList.self, TemplateShow.self, TemplateRender.self, TemplateValidate.self])
}

/// Options that choose the template search path.
struct TemplateLocationOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Search only this directory (holding domains/, networks/, pools/).", valueName: "dir"))
    var templateDir: String?

    var library: TemplateLibrary {
        if let templateDir { return TemplateLibrary(searchPath: [templateDir]) }
        return TemplateLibrary.standard(shipped: TemplateLibrary.shippedDirectory(executable: TemplateLibrary.currentExecutable))
    }
}

extension TemplateError {
    /// Prints the error the way the CLI reports failures and returns the exit code to use.
    func report() -> ExitCode {
        Terminal.error(description)
        return .failure
    }
}
