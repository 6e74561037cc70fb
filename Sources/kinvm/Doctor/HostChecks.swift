import Dispatch
import DomainTemplates
import Foundation
import LibXML2
import Libvirt

/// The checks of `kinvm doctor` that look at files rather than ask libvirt: libvirt's schemas,
/// the shipped templates, and the programs libvirt runs (emulator, qemu-img).
enum HostChecks {
    /// Fills in `schemas`, `templates` and `tools`. Schema compilation, template validation and
    /// file checks block, so they run on a Dispatch queue, off the Swift concurrency pool.
    static func run(on connection: Connection, into report: inout HostReport) async {
        let emulator = try? emulatorPath(domainCapabilitiesXML: await connection.domainCapabilities())
        let local = isLocal(uri: report.uri)
        let shipped = TemplateLibrary.shippedDirectory(executable: TemplateLibrary.currentExecutable)
        let (schemas, templates, tools) = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let schemas = Self.schemas()
                let templates = Self.templates(in: shipped)
                let tools = Self.tools(local: local, emulator: emulator, isExecutable: Self.isExecutable)
                continuation.resume(returning: (schemas, templates, tools))
            }
        }
        report.schemas = schemas
        report.templates = templates
        report.tools = tools
    }

    // MARK: Schemas

    /// The directories kinvm searches for libvirt's schemas (see `RelaxNGSchema.libvirt(_:)`).
    static func schemaSearchPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        RelaxNGSchema.libvirtSearchPath(environment: environment[RelaxNGSchema.libvirtSchemasVariable])
    }

    /// Loads (compiles) each schema kinvm validates against. Blocks.
    static func schemas() -> [HostReport.Schema] {
        let searched = schemaSearchPath()
        return RelaxNGSchema.Libvirt.allCases.map { schema in
            do throws(XMLError) {
                let compiled = try RelaxNGSchema.libvirt(schema)
                return HostReport.Schema(name: schema.fileName, path: compiled.path, searched: searched, error: nil)
            } catch {
                let found = searched.map { "\($0)/\(schema.fileName)" }.first { FileManager.default.isReadableFile(atPath: $0) }
                return HostReport.Schema(name: schema.fileName, path: found, searched: searched, error: error.message)
            }
        }
    }

    // MARK: Templates

    /// Validates every template in the shipped directory against libvirt's schemas. Blocks.
    static func templates(in directory: String?) -> HostReport.Templates {
        guard let directory else { return HostReport.Templates(directory: nil, valid: [], invalid: []) }
        var valid: [String] = []
        var invalid: [HostReport.InvalidTemplate] = []
        for entry in TemplateLibrary(searchPath: [directory]).list() {
            let name = "\(entry.kind.directory)/\(entry.name)"
            do {
                let kind = try TemplateValidator.validateFile(entry.path)
                if kind == entry.kind {
                    valid.append(name)
                } else {
                    invalid.append(.init(template: name, error: "it is a \(kind) template, not a \(entry.kind) one"))
                }
            } catch {
                let lines = error.description.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                invalid.append(.init(template: name, error: lines.joined(separator: "; ")))
            }
        }
        return HostReport.Templates(directory: directory, valid: valid, invalid: invalid)
    }


    // MARK: Tools

    /// Whether `uri` names a libvirt on this machine: no host part (`qemu:///system`,
    /// `qemu+unix:///system?socket=…`, `test:///default`).
    static func isLocal(uri: String) -> Bool { Connection.isLocal(uri: uri) }

    /// The emulator in domain capabilities (`<domainCapabilities><path>`), nil when there is none.
    static func emulatorPath(domainCapabilitiesXML: String) throws -> String? {
        let document = try XMLDocument(parsing: domainCapabilitiesXML, source: "domain capabilities")
        return try document.select("/domainCapabilities/path").first?.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Where libvirt's storage driver looks for qemu-img: its PATH, which on Debian includes these.
    static let toolDirectories = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    /// The emulator and qemu-img: looked at only when the host is this machine.
    /// - Parameter emulator: from domain capabilities; nil when the driver does not report one.
    static func tools(
        local: Bool, emulator: String?, pathVariable: String? = ProcessInfo.processInfo.environment["PATH"],
        isExecutable: (String) -> Bool
    ) -> [HostReport.Tool] {
        let emulatorTool: HostReport.Tool =
            if let emulator {
                .init(name: "emulator", path: emulator, status: !local ? .notChecked : isExecutable(emulator) ? .found : .missing)
            } else {
                .init(name: "emulator", path: nil, status: .unknown)
            }
        guard local else { return [emulatorTool, .init(name: "qemu-img", path: nil, status: .notChecked)] }
        let directories = (pathVariable ?? "").split(separator: ":").map(String.init) + toolDirectories
        let qemuImg = directories.map { "\($0)/qemu-img" }.first(where: isExecutable)
        return [emulatorTool, .init(name: "qemu-img", path: qemuImg, status: qemuImg == nil ? .missing : .found)]
    }

    static func isExecutable(_ path: String) -> Bool {
        FileManager.default.isExecutableFile(atPath: path)
    }
}
