import DomainTemplates
import Foundation
import LibXML2
import Testing

@Suite("Hostile values")
struct HostileValueTests {
    static let escapedValues = [
        "pool<with>tags", "a&b", "quote\"d", "apo'strophe", "]]>", "ünïcødé-卷", "😀-emoji",
        String(repeating: "x", count: 1000), "amp&amp;entity", "&#x41;", "$(rm -rf /)",
    ]

    @Test("values that reach XML are escaped and read back identically", arguments: escapedValues)
    func escaped(value: String) throws {
        var spec = Fixtures.fullSpec()
        let name = value.replacingOccurrences(of: "/", with: "_")  // '/' is refused in libvirt names
        spec.disks[0].volume = VolumeRef(pool: name, volume: name)
        spec.nics[0].network = name
        spec.consoleLog = "/var/log/" + name
        let document = try Fixtures.render("k8s-node", spec)
        let text = document.serialized()
        let reparsed = try XMLDocument(parsing: text, source: "rendered")
        let back = try DomainSpecReader.read(reparsed)
        #expect(back.disks[0].volume == spec.disks[0].volume)
        #expect(back.nics[0].network == name)
        #expect(back.consoleLog == spec.consoleLog)
        try TemplateValidator.validate(reparsed, as: .domain, source: "rendered")
    }

    @Test("'/' and dot names are refused in pool, volume and network names", arguments: ["a/b", ".", "..", "../x"])
    func slashes(value: String) {
        var spec = Fixtures.fullSpec()
        spec.nics[0].network = value
        #expect(throws: TemplateError.self) { try Fixtures.render("k8s-node", spec) }
        spec = Fixtures.fullSpec()
        spec.disks[0].volume.pool = value
        #expect(throws: TemplateError.self) { try Fixtures.render("k8s-node", spec) }
    }

    @Test("values XML cannot carry are refused before any XML is touched", arguments: [
        "bell\u{7}", "nul\u{0}", "esc\u{1B}[31m", "line\nbreak",
    ])
    func refused(value: String) throws {
        var spec = Fixtures.fullSpec()
        spec.nics[0].network = value
        #expect(throws: TemplateError.self) { try Fixtures.render("k8s-node", spec) }
    }
}

@Suite("Template library")
struct TemplateLibraryTests {
    @Test("lists the shipped templates of every kind, with their summaries")
    func shipped() throws {
        let entries = Fixtures.library.list()
        let names = Set(entries.map { "\($0.kind)/\($0.name)" })
        for expected in ["domain/k8s-node", "domain/minimal", "network/nat", "network/isolated", "pool/dir"] {
            #expect(names.contains(expected), "missing \(expected) in \(names)")
        }
        #expect(entries.allSatisfy { !$0.summary.isEmpty })
    }

    @Test("every shipped template is valid libvirt XML as it is")
    func shippedTemplatesValidate() throws {
        for entry in Fixtures.library.list() {
            #expect(try TemplateValidator.validateFile(entry.path) == entry.kind)
        }
    }

    @Test("a user template with the same name wins and is marked as shadowing the shipped one")
    func userWins() throws {
        let user = try Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: "\(user)/domains", withIntermediateDirectories: true)
        try featureRichTemplate.write(toFile: "\(user)/domains/k8s-node.xml", atomically: true, encoding: .utf8)
        let library = TemplateLibrary(searchPath: [user, Fixtures.shipped])
        let entry = try library.find("k8s-node", kind: .domain)
        #expect(entry.path == "\(user)/domains/k8s-node.xml")
        #expect(entry.origin == "user")
        #expect(entry.shadows == ["\(Fixtures.shipped)/domains/k8s-node.xml"])
        #expect(try library.find("minimal", kind: .domain).origin == "shipped")
        try FileManager.default.removeItem(atPath: user)
    }

    @Test("an unknown name lists the known ones")
    func unknown() {
        do {
            _ = try Fixtures.library.find("nope", kind: .domain)
            Issue.record("should fail")
        } catch {
            guard case .unknownTemplate(_, _, let known, _) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(known.contains("k8s-node"))
            #expect(error.description.contains("no domain template named 'nope' (known: "))
        }
    }

    @Test("a malformed template reports line and column; one without <devices> says so")
    func badTemplates() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: "\(directory)/domains", withIntermediateDirectories: true)
        try "<domain type='kvm'>\n  <name>x</name>\n  <devices>\n</domain>\n"
            .write(toFile: "\(directory)/domains/broken.xml", atomically: true, encoding: .utf8)
        try "<domain type='kvm'><name>x</name><memory>1</memory><os><type>hvm</type></os></domain>"
            .write(toFile: "\(directory)/domains/nodevices.xml", atomically: true, encoding: .utf8)
        let library = TemplateLibrary(searchPath: [directory])
        do {
            _ = try library.load(library.find("broken", kind: .domain))
            Issue.record("should fail")
        } catch {
            guard case .malformed(let xml) = error else { Issue.record("wrong error \(error)"); return }
            #expect(xml.line == 4)
            #expect(xml.column != nil)
        }
        let document = try library.load(library.find("nodevices", kind: .domain))
        do {
            try DomainRenderer.apply(Fixtures.fullSpec(), to: document, source: "nodevices.xml")
            Issue.record("should fail")
        } catch {
            #expect(error.description == "nodevices.xml: a domain template needs a <devices> element (disks, NICs and consoles live there)")
        }
    }

    @Test("a schema failure names the element and the reason")
    func schemaFailure() throws {
        let document = try XMLDocument(
            parsing: "<domain type='kvm'><name>x</name><memory>1</memory><vcpu>many</vcpu><os><type>hvm</type></os><devices/></domain>")
        do {
            try TemplateValidator.validate(document, as: .domain, source: "bad.xml")
            Issue.record("should fail")
        } catch {
            guard case .schema(_, let errors) = error else { Issue.record("wrong error \(error)"); return }
            #expect(errors.contains { $0.element?.contains("vcpu") == true })
        }
    }

    @Test("the standard search path: $KINVM_TEMPLATE_PATH, else the user's config dir then shipped")
    func standardPath() {
        #expect(TemplateLibrary.standard(shipped: "/s", environment: ["KINVM_TEMPLATE_PATH": "/a:/b"]).searchPath == ["/a", "/b"])
        #expect(TemplateLibrary.standard(shipped: "/s", environment: ["HOME": "/home/u"]).searchPath
            == ["/home/u/.config/kinvm/templates", "/s"])
        #expect(TemplateLibrary.standard(shipped: nil, environment: ["XDG_CONFIG_HOME": "/x", "HOME": "/h"]).searchPath
            == ["/x/kinvm/templates"])
    }
}
