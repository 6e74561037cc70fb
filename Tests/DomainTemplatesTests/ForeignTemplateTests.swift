import DomainTemplates
import Foundation
import LibXML2
import Testing

/// Templates kinvm did not write: exported from libvirt (`virsh dumpxml`), in virt-install's style,
/// and written by hand with elements kinvm sets missing or in unusual places. Each is valid on its
/// own (checked here too); rendered with a full spec, each must still be valid, for kinvm's
/// validator and for `xmllint --relaxng` alike, or be refused for a reason that names the gap.
@Suite("Rendering templates written elsewhere")
struct ForeignTemplateTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("ForeignTemplates").path

    /// The fixtures that render with every spec.
    static let rendering = [
        "virsh-dumpxml", "virt-install", "no-current-memory", "no-vcpu", "no-sizes", "unusual-order", "os-with-loader",
    ]

    /// Every field kinvm manages, with direct kernel boot or without.
    static let specs: [(label: String, spec: DomainSpec)] = [
        ("full", Fixtures.fullSpec(disks: 2, nics: 2)),
        ("full+kernel", {
            var spec = Fixtures.fullSpec(disks: 2, nics: 2)
            spec.directBoot = DirectBoot(
                kernel: "/var/cache/kinvm/vmlinuz", initrd: "/var/cache/kinvm/initrd.img", cmdline: "root=/dev/vda rw console=ttyS0")
            return spec
        }()),
        ("kvm-sized", Fixtures.fullSpec(virtType: .kvm, vcpus: 4, maxVCPUs: 4, memory: .gibibytes(4), maxMemory: .gibibytes(4))),
    ]

    static var cases: [(String, String)] { rendering.flatMap { fixture in specs.map { (fixture, $0.label) } } }

    static func load(_ fixture: String) throws -> XMLDocument {
        try XMLDocument(contentsOfFile: "\(directory)/\(fixture).xml")
    }

    static func render(_ fixture: String, _ label: String) throws -> XMLDocument {
        let spec = try #require(specs.first { $0.label == label }).spec
        let document = try load(fixture)
        try DomainRenderer.apply(spec, to: document, source: fixture)
        return document
    }

    @Test("each fixture is valid libvirt XML as it stands", arguments: rendering + ["no-serial", "no-devices"])
    func fixtureIsValid(fixture: String) throws {
        #expect(throws: Never.self) { try TemplateValidator.validate(try Self.load(fixture), as: .domain, source: fixture) }
    }

    @Test("rendered with a full spec, each fixture validates and reads back as the spec", arguments: cases)
    func rendersValid(fixture: String, label: String) throws {
        let document = try Self.render(fixture, label)
        #expect(throws: Never.self) { try TemplateValidator.validate(document, as: .domain, source: "\(fixture) rendered (\(label))") }
        let spec = try #require(Self.specs.first { $0.label == label }).spec
        let reparsed = try XMLDocument(parsing: document.serialized())
        #expect(try DomainSpecReader.read(reparsed) == spec.normalized)
    }

    @Test(
        "xmllint --relaxng gives the same verdict on the rendered XML", .enabled(if: Xmllint.path != nil, "xmllint is not installed (libxml2-utils)"),
        arguments: cases)
    func xmllintAgrees(fixture: String, label: String) throws {
        let document = try Self.render(fixture, label)
        let kinvmValid = (try? TemplateValidator.validate(document, as: .domain, source: fixture)) != nil
        let lint = try Xmllint.validate(document.serialized())
        #expect(lint.valid == kinvmValid, "kinvm: \(kinvmValid ? "valid" : "invalid"), xmllint: \(lint.output)")
        #expect(lint.valid, "xmllint: \(lint.output)")
    }

    @Test("elements kinvm adds go where libvirt writes them, next to their own kind")
    func addedElementsInLibvirtOrder() throws {
        let order = { (fixture: String) in try Self.render(fixture, "full").root.children.map(\.name) }
        #expect(try order("no-current-memory") == ["name", "uuid", "metadata", "memory", "currentMemory", "vcpu", "os", "devices"])
        #expect(try order("no-sizes") == ["name", "uuid", "metadata", "memory", "currentMemory", "vcpu", "os", "devices"])
        // The author's order stays; each added element follows its nearest neighbour in libvirt's order.
        #expect(
            try order("unusual-order")
                == ["devices", "on_crash", "clock", "features", "os", "vcpu", "memory", "currentMemory", "name", "uuid", "metadata"])
        let os = try #require(try Self.render("os-with-loader", "full+kernel").root.firstChild(named: "os"))
        #expect(os.children.map(\.name) == ["type", "loader", "nvram", "kernel", "initrd", "cmdline", "bootmenu", "smbios"])
    }

    @Test("without a <serial>, a console log is refused by name; without one asked for, the template renders")
    func noSerial() throws {
        let document = try Self.load("no-serial")
        let error = try #require(throws: TemplateError.self) { try DomainRenderer.apply(Fixtures.fullSpec(), to: document, source: "no-serial") }
        #expect(error.description.contains("the template has no <serial> to log the console of"), "\(error)")
        var spec = Fixtures.fullSpec()
        spec.consoleLog = nil
        let quiet = try Self.load("no-serial")
        try DomainRenderer.apply(spec, to: quiet, source: "no-serial")
        try TemplateValidator.validate(quiet, as: .domain, source: "no-serial rendered")
    }

    @Test("without <devices>, rendering is refused by name")
    func noDevices() throws {
        let error = try #require(throws: TemplateError.self) {
            try DomainRenderer.apply(Fixtures.fullSpec(), to: try Self.load("no-devices"), source: "no-devices")
        }
        guard case .noDevices(let source) = error else {
            Issue.record("expected noDevices, got \(error)")
            return
        }
        #expect(source == "no-devices")
    }
}

/// `xmllint --relaxng` with libvirt's domain schema, when xmllint is installed.
enum Xmllint {
    static let path = ["/usr/bin/xmllint", "/usr/local/bin/xmllint"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Validates `text` (written to a temporary file) against the domain schema kinvm uses.
    static func validate(_ text: String) throws -> (valid: Bool, output: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-xmllint-\(UUID().uuidString).xml").path
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        guard let path else { throw CocoaError(.fileNoSuchFile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--noout", "--relaxng", try RelaxNGSchema.libvirt(.domain).path, file]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus == 0, String(decoding: data, as: UTF8.self))
    }
}
