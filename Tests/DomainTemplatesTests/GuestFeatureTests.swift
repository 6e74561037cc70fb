import DomainTemplates
import Foundation
import LibXML2
import Testing

/// What `kinvm vm create` adds to a spec: user-mode NICs, direct kernel boot and the metadata
/// that records the base image, the template and the volumes kinvm made for the guest.
@Suite("User-mode NICs, direct kernel boot and guest metadata")
struct GuestFeatureTests {
    static func guestSpec() -> DomainSpec {
        var spec = Fixtures.fullSpec(nics: 0)
        spec.nics = [.user(mac: "52:54:00:AA:00:01"), NICSpec(network: "lab", mac: "52:54:00:aa:00:02")]
        spec.directBoot = DirectBoot(
            kernel: "/var/cache/kinvm/vmlinuz", initrd: "/var/cache/kinvm/initrd.img",
            cmdline: "root=/dev/vda rw console=ttyS0 quote=\"<&>\"")
        spec.metadata?.image = VolumeRef(pool: "images", volume: "debian-12.qcow2")
        spec.metadata?.template = "k8s-node"
        spec.metadata?.volumes = [
            VolumeRef(pool: "kinvm", volume: "worker-1-root.qcow2"), VolumeRef(pool: "kinvm", volume: "worker-1-seed.iso"),
        ]
        return spec
    }

    @Test("renders valid libvirt XML and reads back to the same spec", arguments: RendererTests.templates)
    func roundTrip(template: String) throws {
        let spec = Self.guestSpec()
        let document = try Fixtures.render(template, spec)
        try TemplateValidator.validate(document, as: .domain, source: template)
        let reparsed = try XMLDocument(parsing: document.serialized())
        #expect(try DomainSpecReader.read(reparsed) == spec.normalized)
    }

    @Test("a user-mode NIC has type='user' and no <source>; a network NIC keeps its source")
    func userNIC() throws {
        let document = try Fixtures.render("k8s-node", Self.guestSpec())
        let nics = try document.select("/domain/devices/interface")
        #expect(nics.map { $0.attribute("type") } == ["user", "network"])
        #expect(nics[0].firstChild(named: "source") == nil)
        #expect(nics[0].firstChild(named: "mac")?.attribute("address") == "52:54:00:aa:00:01")
        #expect(nics[1].firstChild(named: "source")?.attribute("network") == "lab")
        // Rendering a network NIC again over the user one brings <source> back.
        var spec = Self.guestSpec()
        spec.nics = [NICSpec(network: "other")]
        try DomainRenderer.apply(spec, to: document, source: "again")
        let again = try document.select("/domain/devices/interface")
        #expect(again.count == 1)
        #expect(again[0].attribute("type") == "network")
        #expect(again[0].firstChild(named: "source")?.attribute("network") == "other")
    }

    @Test("direct kernel boot replaces <boot dev> and escapes the command line")
    func directBoot() throws {
        let document = try Fixtures.render("k8s-node", Self.guestSpec())
        let os = try #require(document.root.firstChild(named: "os"))
        #expect(os.firstChild(named: "boot") == nil)
        #expect(os.firstChild(named: "kernel")?.text == "/var/cache/kinvm/vmlinuz")
        #expect(os.firstChild(named: "initrd")?.text == "/var/cache/kinvm/initrd.img")
        #expect(os.firstChild(named: "cmdline")?.text == "root=/dev/vda rw console=ttyS0 quote=\"<&>\"")
        #expect(document.serialized().contains("quote=\"&lt;&amp;&gt;\""))
    }

    @Test("the metadata lists the base image, the template and the managed volumes")
    func metadata() throws {
        let document = try Fixtures.render("k8s-node", Self.guestSpec())
        let namespaces = ["k": KinvmMetadata.namespace]
        let instance = try #require(try document.select("/domain/metadata/k:instance", namespaces: namespaces).first)
        #expect(instance.attribute("image") == "images/debian-12.qcow2")
        #expect(instance.attribute("template") == "k8s-node")
        let volumes = try document.select("/domain/metadata/k:instance/k:volume", namespaces: namespaces)
        #expect(volumes.map { "\($0.attribute("pool") ?? "")/\($0.attribute("name") ?? "")" }
            == ["kinvm/worker-1-root.qcow2", "kinvm/worker-1-seed.iso"])
    }

    @Test("bad direct-boot paths and volume references are refused", arguments: [
        ("kernel", "relative/vmlinuz"), ("initrd", "initrd\n"), ("volume", "a/b"),
    ])
    func refused(field: String, value: String) throws {
        var spec = Self.guestSpec()
        switch field {
        case "kernel": spec.directBoot?.kernel = value
        case "initrd": spec.directBoot?.initrd = value
        default: spec.metadata?.volumes = [VolumeRef(pool: "kinvm", volume: value)]
        }
        #expect(throws: SpecError.self) { try spec.validate() }
    }

    @Test("raising the vCPU ceiling of a rendered qemu guest drops kinvm's small TCG cache, once")
    func acceleratorUpdate() throws {
        var spec = Self.guestSpec()
        spec.vcpus = 2
        spec.maxVCPUs = 2
        let document = try Fixtures.render("k8s-node", spec)
        #expect(try document.select("/domain/features/tcg/tb-cache").count == 1)
        #expect(try DomainRenderer.updateAccelerator(in: document, source: "unchanged") == false)
        // What virDomainSetVcpusFlags(config|maximum) does to the definition.
        let vcpu = try #require(document.root.firstChild(named: "vcpu"))
        try vcpu.setText("4")
        try vcpu.setAttribute("current", "2")
        #expect(try DomainRenderer.updateAccelerator(in: document, source: "raised") == true)
        #expect(try document.select("/domain/features/tcg").isEmpty)
        #expect(try DomainRenderer.updateAccelerator(in: document, source: "again") == false)
        try TemplateValidator.validate(document, as: .domain, source: "raised")
    }
}
