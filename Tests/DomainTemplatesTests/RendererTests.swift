import DomainTemplates
import Foundation
import LibXML2
import Testing

@Suite("Rendering the shipped domain templates")
struct RendererTests {
    static let templates = ["k8s-node", "minimal"]

    /// A grid of specs: both virt types, sizes from tiny to large, 1-3 disks and 0-2 NICs.
    static let grid: [(label: String, spec: DomainSpec)] = [
        ("small-qemu", Fixtures.fullSpec(name: "small", virtType: .qemu, vcpus: 1, maxVCPUs: 1, memory: .mebibytes(256), maxMemory: .mebibytes(256))),
        ("node-kvm", Fixtures.fullSpec(name: "node-a", virtType: .kvm, vcpus: 2, maxVCPUs: 8, memory: .gibibytes(2), maxMemory: .gibibytes(8))),
        ("big-3disks-2nics", Fixtures.fullSpec(name: "big", virtType: .kvm, vcpus: 16, maxVCPUs: 64, memory: .gibibytes(64), maxMemory: .gibibytes(256), disks: 3, nics: 2)),
        ("no-nics", Fixtures.fullSpec(name: "quiet", virtType: .qemu, nics: 0)),
    ]

    static var cases: [(String, String)] {
        templates.flatMap { template in grid.map { (template, $0.label) } }
    }

    @Test("every template × spec renders, validates against libvirt's schema and matches its golden file", arguments: cases)
    func rendersAndValidates(template: String, label: String) throws {
        let spec = try #require(Self.grid.first { $0.label == label }).spec
        let document = try Fixtures.render(template, spec)
        try TemplateValidator.validate(document, as: .domain, source: "\(template)/\(label)")
        let text = document.serialized()
        let golden = "\(Fixtures.golden)/\(template)_\(label).xml"
        if ProcessInfo.processInfo.environment["KINVM_UPDATE_GOLDEN"] == "1" {
            try text.write(toFile: golden, atomically: true, encoding: .utf8)
        }
        let expected = try #require(
            try? String(contentsOfFile: golden, encoding: .utf8),
            "missing golden file \(golden); run the tests once with KINVM_UPDATE_GOLDEN=1 and review it")
        #expect(text == expected, "rendered XML differs from \(golden)")
    }

    @Test("the spec reads back from the rendered XML", arguments: cases)
    func readsBack(template: String, label: String) throws {
        let spec = try #require(Self.grid.first { $0.label == label }).spec
        let document = try Fixtures.render(template, spec)
        let reparsed = try XMLDocument(parsing: document.serialized())
        #expect(try DomainSpecReader.read(reparsed) == spec.normalized)
    }

    @Test("rendering twice gives the same document as rendering once")
    func idempotent() throws {
        let spec = Fixtures.fullSpec(disks: 2, nics: 2)
        let once = try Fixtures.render("k8s-node", spec)
        let twice = try XMLDocument(parsing: once.serialized())
        try DomainRenderer.apply(spec, to: twice, source: "again")
        #expect(twice.serialized() == once.serialized())
    }

    @Test("fewer disks and NICs than a previous render removes the extra managed ones")
    func shrinks() throws {
        let document = try Fixtures.render("k8s-node", Fixtures.fullSpec(disks: 3, nics: 2))
        var smaller = Fixtures.fullSpec(disks: 1, nics: 1)
        smaller.seed = nil
        try DomainRenderer.apply(smaller, to: document, source: "shrink")
        let spec = try DomainSpecReader.read(document)
        #expect(spec.disks.count == 1)
        #expect(spec.nics.count == 1)
        #expect(spec.seed == nil)
        try TemplateValidator.validate(document, as: .domain, source: "shrink")
    }

    @Test("an invalid spec changes nothing")
    func invalidSpecChangesNothing() throws {
        let entry = try Fixtures.library.find("k8s-node", kind: .domain)
        let document = try Fixtures.library.load(entry)
        let before = document.serialized()
        var spec = Fixtures.fullSpec()
        spec.vcpus = 0
        #expect(throws: TemplateError.self) { try DomainRenderer.apply(spec, to: document, source: "bad") }
        #expect(document.serialized() == before)
    }
}
