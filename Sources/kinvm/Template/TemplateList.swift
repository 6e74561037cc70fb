import ArgumentParser
import DomainTemplates

struct TemplateList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the templates kinvm can find.")

    @OptionGroup var location: TemplateLocationOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let entries = location.library.list()
        switch output.output {
        case .json: print(try Rendering.json(entries))
        case .yaml: print(try Rendering.yaml(entries), terminator: "")
        case .text:
            print(Rendering.table(
                ["KIND", "NAME", "ORIGIN", "SUMMARY"],
                entries.map { [$0.kind.rawValue, $0.name, $0.origin, $0.summary] }))
        }
    }
}

struct TemplateShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print a template as it is on disk.")

    @Argument(help: "Template name.")
    var name: String

    @Option(help: "domain, network or pool.")
    var kind: TemplateKind = .domain

    @OptionGroup var location: TemplateLocationOptions

    func run() throws {
        do {
            let entry = try location.library.find(name, kind: kind)
            print(try String(contentsOfFile: entry.path, encoding: .utf8), terminator: "")
        } catch let error as TemplateError {
            throw error.report()
        }
    }
}

struct TemplateValidate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check XML files against libvirt's schema (domain, network or pool, from the root element).")

    @Argument(help: "Files to check.")
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one file to validate") }
    }

    func run() throws {
        var failed = false
        for file in files {
            do {
                let kind = try TemplateValidator.validateFile(file)
                print("\(file): valid \(kind)")
            } catch {
                Terminal.error("\(error)")
                failed = true
            }
        }
        if failed { throw ExitCode.failure }
    }
}
