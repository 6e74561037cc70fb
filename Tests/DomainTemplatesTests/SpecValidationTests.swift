import DomainTemplates
import Testing

@Suite("DomainSpec validation")
struct SpecValidationTests {
    @Test("a full spec is valid")
    func valid() throws {
        try Fixtures.fullSpec().validate()
    }

    @Test("hostile names are refused, not escaped: names become host and node names", arguments: [
        "web<1", "a&b", "it's", "\"q\"", "../etc", "Web", "-lead", "trail-", "", String(repeating: "a", count: 64),
        "nöde", "node\u{0}", "a b", "a.b",
    ])
    func hostileNames(name: String) {
        var spec = Fixtures.fullSpec()
        spec.name = name
        #expect(throws: SpecError.self) { try spec.validate() }
    }

    @Test("impossible sizes are refused with the field named", arguments: [
        (0, 4, ByteSize.gibibytes(1), ByteSize.gibibytes(2), "vcpus"),
        (4, 2, ByteSize.gibibytes(1), ByteSize.gibibytes(2), "max-vcpus"),
        (1, 5000, ByteSize.gibibytes(1), ByteSize.gibibytes(2), "max-vcpus"),
        (1, 2, ByteSize.gibibytes(4), ByteSize.gibibytes(2), "max-memory"),
        (1, 2, ByteSize(bytes: 1000), ByteSize.gibibytes(2), "memory"),
    ])
    func sizes(vcpus: Int, maxVCPUs: Int, memory: ByteSize, maxMemory: ByteSize, field: String) {
        var spec = Fixtures.fullSpec()
        spec.vcpus = vcpus
        spec.maxVCPUs = maxVCPUs
        spec.memory = memory
        spec.maxMemory = maxMemory
        do {
            try spec.validate()
            Issue.record("should be refused")
        } catch {
            #expect(error.field == field)
        }
    }

    @Test("references and paths: control characters, '..', bad MACs are refused")
    func references() {
        var spec = Fixtures.fullSpec()
        spec.consoleLog = "/var/log/../../etc/shadow"
        #expect(throws: SpecError.self) { try spec.validate() }
        spec = Fixtures.fullSpec()
        spec.consoleLog = "relative.log"
        #expect(throws: SpecError.self) { try spec.validate() }
        spec = Fixtures.fullSpec()
        spec.disks[0].volume.volume = "../escape.qcow2"
        #expect(throws: SpecError.self) { try spec.validate() }
        spec = Fixtures.fullSpec()
        spec.nics[0].network = "net\u{7}"
        #expect(throws: SpecError.self) { try spec.validate() }
        spec = Fixtures.fullSpec()
        spec.nics[0].mac = "53:54:00:00:00:01"  // multicast
        #expect(throws: SpecError.self) { try spec.validate() }
        for mac in ["00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "52:54:00:00:00", "52:54:00:00:00:0g"] {
            spec = Fixtures.fullSpec()
            spec.nics[0].mac = mac
            #expect(throws: SpecError.self, "\(mac)") { try spec.validate() }
        }
        for kernel in ["/var/lib/../../etc/shadow", "/boot/./vmlinuz", "vmlinuz", "/boot/vm\u{1}linuz"] {
            spec = Fixtures.fullSpec()
            spec.directBoot = DirectBoot(kernel: kernel)
            #expect(throws: SpecError.self, "\(kernel)") { try spec.validate() }
        }
        spec = Fixtures.fullSpec()
        spec.directBoot = DirectBoot(kernel: "/var/lib/kinvm/vmlinuz")
        #expect(throws: Never.self) { try spec.validate() }
        spec = Fixtures.fullSpec()
        spec.metadata?.created = "yesterday"
        #expect(throws: SpecError.self) { try spec.validate() }
    }

    @Test("the error message quotes the value and says what is allowed")
    func message() {
        var spec = Fixtures.fullSpec()
        spec.vcpus = 9
        do {
            try spec.validate()
            Issue.record("should be refused")
        } catch {
            #expect(error.description == "max-vcpus '8': below --vcpus 9")
        }
    }
}
