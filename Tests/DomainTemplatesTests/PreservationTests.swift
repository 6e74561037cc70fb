import DomainTemplates
import LibXML2
import Testing

/// A user template full of libvirt features kinvm does not manage.
let featureRichTemplate = """
    <?xml version="1.0"?>
    <!-- A user's own template: kinvm must keep all of this. -->
    <domain type='kvm' xmlns:other='https://example.com/other'>
      <name>placeholder</name>
      <title>GPU worker</title>
      <memory unit='GiB'>16</memory>
      <currentMemory unit='GiB'>8</currentMemory>
      <memoryBacking>
        <hugepages><page size='2' unit='MiB'/></hugepages>
      </memoryBacking>
      <vcpu placement='static' current='4'>8</vcpu>
      <cputune>
        <shares>2048</shares>
        <period>100000</period>
        <quota>-1</quota>
      </cputune>
      <cpu mode='host-passthrough'>
        <topology sockets='1' dies='1' cores='4' threads='2'/>
        <numa>
          <cell id='0' cpus='0-3' memory='8' unit='GiB'/>
          <cell id='1' cpus='4-7' memory='8' unit='GiB'/>
        </numa>
      </cpu>
      <metadata>
        <other:inventory asset='A-1234'/>
      </metadata>
      <os>
        <type arch='x86_64' machine='q35'>hvm</type>
        <boot dev='hd'/>
      </os>
      <features><acpi/><apic/></features>
      <devices>
        <!-- the root disk kinvm manages -->
        <disk type='file' device='disk'>
          <driver name='qemu' type='qcow2' cache='none' discard='unmap'/>
          <source file='/var/lib/libvirt/images/placeholder.qcow2'/>
          <target dev='vda' bus='virtio'/>
          <alias name='ua-kinvm-root'/>
          <boot order='1'/>
        </disk>
        <disk type='file' device='disk'>
          <driver name='qemu' type='raw'/>
          <source file='/srv/data/scratch.img'/>
          <target dev='vdx' bus='virtio'/>
        </disk>
        <interface type='network'>
          <source network='default'/>
          <model type='virtio'/>
          <alias name='ua-kinvm-nic0'/>
        </interface>
        <serial type='pty'><target port='0'/></serial>
        <console type='pty'><target type='serial' port='0'/></console>
        <tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>
        <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
        <memballoon model='virtio'/>
      </devices>
    </domain>
    """

@Suite("User templates keep what kinvm does not manage")
struct PreservationTests {
    /// Elements outside kinvm's fields, by XPath, that must serialize identically before and after.
    static let untouched = [
        "/domain/title", "/domain/memoryBacking", "/domain/cputune", "/domain/cpu", "/domain/cpu/numa/cell[1]",
        "/domain/cpu/numa/cell[2]", "/domain/os", "/domain/features", "/domain/devices/disk[2]",
        "/domain/devices/serial", "/domain/devices/console", "/domain/devices/tpm", "/domain/devices/rng",
        "/domain/devices/memballoon",
    ]

    @Test("every unmanaged element survives rendering unchanged, element by element", arguments: untouched)
    func unmanagedElement(xpath: String) throws {
        let before = try XMLDocument(parsing: featureRichTemplate, source: "user template")
        let after = try XMLDocument(parsing: featureRichTemplate, source: "user template")
        try DomainRenderer.apply(Self.spec, to: after, source: "user template")
        let original = try #require(try before.first(xpath), "\(xpath) missing in the template")
        let kept = try #require(try after.first(xpath), "\(xpath) missing after rendering")
        #expect(kept.serialized() == original.serialized())
    }

    static var spec: DomainSpec {
        var spec = Fixtures.fullSpec(name: "gpu-1", virtType: .kvm, vcpus: 4, maxVCPUs: 8, memory: .gibibytes(8), maxMemory: .gibibytes(16))
        spec.seed = nil
        spec.consoleLog = nil
        return spec
    }

    @Test("other applications' metadata, comments and the managed devices' own extras stay")
    func metadataAndExtras() throws {
        let document = try XMLDocument(parsing: featureRichTemplate, source: "user template")
        try DomainRenderer.apply(Self.spec, to: document, source: "user template")
        let text = document.serialized()
        #expect(text.contains("<!-- A user's own template: kinvm must keep all of this. -->"))
        #expect(text.contains("<!-- the root disk kinvm manages -->"))
        let namespaces = ["other": "https://example.com/other", "kinvm": KinvmMetadata.namespace]
        #expect(try document.evaluateString("string(/domain/metadata/other:inventory/@asset)", namespaces: namespaces) == "A-1234")
        #expect(try document.evaluateString("string(/domain/metadata/kinvm:instance/@cluster)", namespaces: namespaces) == "lab")
        // The root disk keeps its cache, discard and boot order while its source becomes a volume.
        let root = try #require(try document.first("/domain/devices/disk[target/@dev='vda']"))
        #expect(root.firstChild(named: "driver")?.attribute("cache") == "none")
        #expect(root.firstChild(named: "driver")?.attribute("discard") == "unmap")
        #expect(root.firstChild(named: "boot")?.attribute("order") == "1")
        #expect(root.firstChild(named: "source")?.attribute("file") == nil)
        #expect(root.firstChild(named: "source")?.attribute("volume") == "gpu-1-disk0.qcow2")
        try TemplateValidator.validate(document, as: .domain, source: "user template")
    }
}
