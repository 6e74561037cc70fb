import Foundation
import Testing

@testable import LibXML2

/// libvirt's schemas are installed (package libvirt0 on Debian) or pointed to by the environment.
let libvirtSchemasInstalled = (try? RelaxNGSchema.locate(.domain, in: RelaxNGSchema.libvirtSearchPath())) != nil

@Suite("RelaxNG against libvirt's schemas", .enabled(if: libvirtSchemasInstalled, "libvirt's schemas are not installed"))
struct LibvirtSchemaTests {
    static let minimalDomain = """
        <domain type='qemu'>
          <name>t</name>
          <memory unit='KiB'>1024</memory>
          <os>
            <type>hvm</type>
          </os>
        </domain>
        """

    static let fullerDomain = """
        <domain type='kvm'>
          <name>k8s-node-1</name>
          <metadata>
            <kinvm:instance xmlns:kinvm="https://kinvm.dev/xmlns/kinvm/1" cluster="c1"/>
          </metadata>
          <memory unit='KiB'>2097152</memory>
          <vcpu placement='static'>2</vcpu>
          <os><type arch='x86_64' machine='q35'>hvm</type><boot dev='hd'/></os>
          <devices>
            <disk type='volume' device='disk'>
              <driver name='qemu' type='qcow2'/>
              <source pool='default' volume='k8s-node-1.qcow2'/>
              <target dev='vda' bus='virtio'/>
              <alias name='ua-kinvm-root'/>
            </disk>
            <interface type='network'>
              <source network='default'/>
              <model type='virtio'/>
            </interface>
            <serial type='pty'/>
          </devices>
        </domain>
        """

    func validate(_ text: String, _ schema: RelaxNGSchema.Libvirt) throws -> [XMLError] {
        try RelaxNGSchema.libvirt(schema).validate(try parse(text, source: "\(schema.rawValue).xml"))
    }

    @Test("valid domains pass")
    func validDomains() throws {
        #expect(try validate(Self.minimalDomain, .domain) == [])
        #expect(try validate(Self.fullerDomain, .domain) == [])
    }

    @Test("a bad value fails, naming the element and its line")
    func badVCPU() throws {
        let text = Self.minimalDomain.replacingOccurrences(of: "  <os>", with: "  <vcpu>zero</vcpu>\n  <os>")
        let errors = try validate(text, .domain)
        let vcpu = try #require(errors.first)
        #expect(vcpu.kind == .schema)
        #expect(vcpu.message == "Extra element vcpu in interleave")
        #expect(vcpu.line == 4)
        #expect(vcpu.element == "vcpu")
        #expect(vcpu.path == "/domain/vcpu")
        #expect(vcpu.source == "domain.xml")
        #expect(vcpu.description == "domain.xml:4: schema error: Extra element vcpu in interleave (element vcpu at /domain/vcpu)")
        #expect(errors.contains { $0.message == "Element domain failed to validate content" && $0.line == 1 })
    }

    @Test("an unknown element under <devices> fails; libxml2 names the <devices> it is in")
    func unknownDevice() throws {
        let text = Self.minimalDomain.replacingOccurrences(
            of: "  <os>", with: "  <devices>\n    <frobnicator/>\n  </devices>\n  <os>")
        let errors = try validate(text, .domain)
        #expect(!errors.isEmpty)
        #expect(errors.allSatisfy { $0.kind == .schema })
        let devices = try #require(errors.first)
        #expect(devices.element == "devices")
        #expect(devices.line == 4)
        #expect(devices.path == "/domain/devices")
        #expect(devices.message == "Extra element devices in interleave")
    }

    @Test("a document missing a required element fails")
    func missingName() throws {
        let text = Self.minimalDomain.replacingOccurrences(of: "  <name>t</name>\n", with: "")
        #expect(try !validate(text, .domain).isEmpty)
    }

    @Test(
        "network, storage pool and volume schemas: valid passes, invalid fails",
        arguments: [
            (
                RelaxNGSchema.Libvirt.network,
                """
                <network>
                  <name>lab</name>
                  <bridge name='virbr9'/>
                  <ip address='10.9.0.1' netmask='255.255.255.0'>
                    <dhcp><range start='10.9.0.10' end='10.9.0.99'/></dhcp>
                  </ip>
                </network>
                """, "<forward mode='nat'/>", "<forward mode='teleport'/>"
            ),
            (
                .storagePool,
                """
                <pool type='dir'>
                  <name>default</name>
                  <target>
                    <path>/var/lib/libvirt/images</path>
                  </target>
                </pool>
                """, "type='dir'", "type='floppy-box'"
            ),
            (
                .storageVolume,
                """
                <volume>
                  <name>disk.qcow2</name>
                  <capacity unit='G'>10</capacity>
                  <target><format type='qcow2'/></target>
                </volume>
                """, ">10<", ">lots<"
            ),
        ])
    func otherSchemas(schema: RelaxNGSchema.Libvirt, valid: String, good: String, bad: String) throws {
        #expect(try validate(valid, schema) == [])
        let invalid = valid.contains(good) ? valid.replacingOccurrences(of: good, with: bad)
            : valid.replacingOccurrences(of: "<name>", with: "\(bad)\n  <name>")
        let errors = try validate(invalid, schema)
        #expect(!errors.isEmpty)
        #expect(errors.allSatisfy { $0.kind == .schema && $0.line != nil })
    }

    @Test("schemas are compiled once per process")
    func cached() throws {
        for schema in RelaxNGSchema.Libvirt.allCases {
            #expect(try RelaxNGSchema.libvirt(schema) === RelaxNGSchema.libvirt(schema))
            #expect(try RelaxNGSchema.libvirt(schema).path.hasSuffix("/\(schema.rawValue).rng"))
        }
    }

    @Test("one schema validates from many threads at once")
    func concurrentValidation() async throws {
        let schema = try RelaxNGSchema.libvirt(.domain)
        let bad = Self.minimalDomain.replacingOccurrences(of: "  <os>", with: "  <vcpu>zero</vcpu>\n  <os>")
        let expected = (try validate(Self.minimalDomain, .domain).count, try validate(bad, .domain))
        // A named result, not a tuple: see the rule in Sources/Provisioner/Support/FanOut.swift.
        struct Verdicts: Sendable {
            var good: Int
            var wrong: [XMLError]
        }
        let results = await withTaskGroup(of: Verdicts.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    let good = (try? XMLDocument(parsing: Self.minimalDomain, source: "domain.xml")).map(schema.validate)
                    let wrong = (try? XMLDocument(parsing: bad, source: "domain.xml")).map(schema.validate)
                    return Verdicts(good: good?.count ?? -1, wrong: wrong ?? [])
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 16)
        #expect(results.allSatisfy { $0.good == expected.0 && $0.wrong == expected.1 })
    }
}

@Suite("RelaxNG")
struct RelaxNGTests {
    @Test("a schema loaded by path resolves its includes")
    func includes() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("""
            <grammar xmlns="http://relaxng.org/ns/structure/1.0" datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
              <include href="parts.rng"/>
              <start><element name="vm"><ref name="size"/></element></start>
            </grammar>
            """.utf8).write(to: directory.appendingPathComponent("main.rng"))
        try Data("""
            <grammar xmlns="http://relaxng.org/ns/structure/1.0" datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
              <define name="size"><element name="size"><data type="unsignedInt"/></element></define>
            </grammar>
            """.utf8).write(to: directory.appendingPathComponent("parts.rng"))
        let schema = try RelaxNGSchema(contentsOfFile: directory.appendingPathComponent("main.rng").path)
        #expect(schema.validate(try parse("<vm><size>4</size></vm>")) == [])
        let errors = schema.validate(try parse("<vm>\n  <size>four</size>\n</vm>", source: "vm.xml"))
        let first = try #require(errors.first)
        #expect(first.kind == .schema)
        #expect(first.line == 2)
        #expect(first.element == "size")
        #expect(first.path == "/vm/size")
        #expect(first.message.contains("unsignedInt"))
    }

    @Test("an unreadable schema is an I/O error, a broken one a schema error")
    func loadErrors() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("missing.rng").path
        let ioError = expectXMLError(.io) { _ = try RelaxNGSchema(contentsOfFile: missing) }
        #expect(ioError?.source == missing)
        let broken = directory.appendingPathComponent("broken.rng")
        try Data("<grammar xmlns=\"http://relaxng.org/ns/structure/1.0\"><start><ref name=\"nowhere\"/></start></grammar>".utf8)
            .write(to: broken)
        let schemaError = expectXMLError(.schema) { _ = try RelaxNGSchema(contentsOfFile: broken.path) }
        #expect(schemaError?.source == broken.path)
        #expect(schemaError?.message.contains("nowhere") == true)
    }

    @Test("libvirt's schemas are searched in $KINVM_LIBVIRT_SCHEMAS, then libvirt's directory")
    func searchPath() throws {
        #expect(RelaxNGSchema.libvirtSearchPath(environment: nil) == ["/usr/share/libvirt/schemas"])
        #expect(RelaxNGSchema.libvirtSearchPath(environment: "") == ["/usr/share/libvirt/schemas"])
        #expect(RelaxNGSchema.libvirtSearchPath(environment: "/opt/s") == ["/opt/s", "/usr/share/libvirt/schemas"])
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("<grammar/>".utf8).write(to: directory.appendingPathComponent("network.rng"))
        #expect(try RelaxNGSchema.locate(.network, in: [directory.path, "/nonexistent"]) == directory.path + "/network.rng")
    }

    @Test("a schema that is nowhere is an I/O error saying where it looked and what to install")
    func notFound() throws {
        let error = try #require(expectXMLError(.io) { _ = try RelaxNGSchema.locate(.storagePool, in: ["/nonexistent/a"]) })
        #expect(error.source == "storagepool.rng")
        #expect(error.message == """
            cannot find libvirt's RelaxNG schema storagepool.rng; looked in /nonexistent/a ($KINVM_LIBVIRT_SCHEMAS \
            is not set). Install the package that ships libvirt's schemas (Debian/Ubuntu: libvirt0, which \
            libvirt-daemon depends on) or set KINVM_LIBVIRT_SCHEMAS to a directory holding storagepool.rng.
            """)
    }
}
