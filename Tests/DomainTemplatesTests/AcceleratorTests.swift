import DomainTemplates
import LibXML2
import Testing

@Suite("TCG translation cache")
struct AcceleratorTests {
    static func cache(_ document: XMLDocument) throws -> String? {
        try document.first("/domain/features/tcg/tb-cache").map { "\($0.text)\($0.attribute("unit") ?? "")" }
    }

    @Test("qemu guests at their vCPU ceiling get the 64 MiB cache")
    func atCeiling() throws {
        let document = try Fixtures.render("k8s-node", Fixtures.fullSpec(virtType: .qemu, vcpus: 2, maxVCPUs: 2))
        #expect(try Self.cache(document) == "64MiB")
    }

    @Test("qemu guests with room for vCPU hot-plug get none (QEMU 7.2 aborts hot-plug with a small cache)")
    func hotplugRoom() throws {
        let document = try Fixtures.render("k8s-node", Fixtures.fullSpec(virtType: .qemu, vcpus: 2, maxVCPUs: 2))
        try DomainRenderer.apply(Fixtures.fullSpec(virtType: .qemu, vcpus: 1, maxVCPUs: 4), to: document, source: "again")
        #expect(try Self.cache(document) == nil)
        #expect(try document.select("/domain/features/tcg").isEmpty)
        try TemplateValidator.validate(document, as: .domain, source: "again")
    }

    @Test("kvm guests never have <tcg>; a template's own cache is kept for qemu")
    func kvmAndUserCache() throws {
        let kvm = try Fixtures.render("k8s-node", Fixtures.fullSpec(virtType: .qemu, vcpus: 2, maxVCPUs: 2))
        try DomainRenderer.apply(Fixtures.fullSpec(virtType: .kvm, vcpus: 2, maxVCPUs: 2), to: kvm, source: "kvm")
        #expect(try kvm.select("/domain/features/tcg").isEmpty)

        let user = try Fixtures.library.load(try Fixtures.library.find("k8s-node", kind: .domain))
        let features = try #require(user.root.firstChild(named: "features"))
        let own = features.child("tcg").child("tb-cache")
        try own.setAttribute("unit", "MiB")
        try own.setText("512")
        try DomainRenderer.apply(Fixtures.fullSpec(virtType: .qemu, vcpus: 1, maxVCPUs: 4), to: user, source: "user")
        #expect(try Self.cache(user) == "512MiB")
    }
}
