import ArgumentParser
import DomainTemplates
import LibXML2

struct TemplateRender: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Apply a guest spec to a domain template and print the validated result.",
        discussion: "Nothing is defined: the output is what kinvm would hand to libvirt.")

    @Argument(help: "Domain template name (kinvm template list).")
    var template: String

    @OptionGroup var spec: DomainSpecOptions
    @OptionGroup var location: TemplateLocationOptions

    @Option(name: [.customShort("o"), .long], help: "xml (the domain XML), or json/yaml (the spec read back from it).")
    var output: RenderFormat = .xml

    enum RenderFormat: String, ExpressibleByArgument, CaseIterable {
        case xml, json, yaml
    }

    func run() throws {
        let spec = try spec.spec()
        do {
            let library = location.library
            let entry = try library.find(template, kind: .domain)
            let document = try library.load(entry)
            try DomainRenderer.apply(spec, to: document, source: entry.path)
            try TemplateValidator.validate(document, as: .domain, source: "template '\(template)' rendered for '\(spec.name)'")
            switch output {
            case .xml: print(document.serialized(), terminator: "")
            case .json: print(try Rendering.json(DomainSpecReader.read(document)))
            case .yaml: print(try Rendering.yaml(DomainSpecReader.read(document)), terminator: "")
            }
        } catch let error as TemplateError {
            throw error.report()
        }
    }
}
