import CloudInit
import DomainTemplates
import Foundation
import LibXML2
import Libvirt
import Testing

@testable import Provisioner

/// A value shared between tasks, behind a lock.
final class Locked<Value: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `value` is only touched while `lock` is held.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

/// A private test-driver host for guest tests: a dir pool `images` with base images, kinvm's
/// shipped templates, and a create environment that records the seed (the test driver has no
/// streams) and replaces the wait.
struct GuestHost {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKinvmTestKeyOnlyForTests test@kinvm"

    let connection: Connection
    let directory: String
    let seeds = Locked<[String: [UInt8]]>([:])
    var manager: GuestManager { GuestManager(connection: connection) }
    var poolPath: String { "\(directory)/images" }

    static func open() async throws -> GuestHost {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-guest-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: "\(directory)/images", withIntermediateDirectories: true)
        let xml = """
            <node>
              <pool type='dir'><name>images</name><target><path>\(directory)/images</path></target></pool>
            </node>
            """
        try xml.write(toFile: "\(directory)/host.xml", atomically: true, encoding: .utf8)
        let host = GuestHost(connection: try await Connection.open("test://\(directory)/host.xml"), directory: directory)
        try await host.createVolume("base.qcow2", format: "qcow2", bytes: 64 << 20)
        try await host.createVolume("base.img", format: "raw", bytes: 32 << 20)
        try await host.createVolume("disk.vmdk", format: "vmdk", bytes: 16 << 20)
        return host
    }

    func remove() async {
        await connection.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func createVolume(_ name: String, format: String, bytes: UInt64 = 1 << 20) async throws {
        let document = XMLDocument(rootName: "volume")
        try document.root.appendChild("name", text: name)
        try document.root.appendChild("capacity", text: String(bytes), attributes: [("unit", "bytes")])
        try document.root.appendChild("target").appendChild("format", attributes: [("type", format)])
        _ = try await connection.storagePool(named: "images").createVolume(xml: document.serialized())
    }

    /// Every domain (name and UUID) and every volume of every pool: compared before and after a
    /// failed create, which must leave the host exactly as it was.
    func snapshot() async throws -> [String] {
        var items = try await connection.allDomains().map { "domain \($0.name) \($0.uuid)" }
        for pool in try await connection.allStoragePools() {
            items += try await pool.allVolumes().map { "volume \(pool.name)/\($0.name)" }
        }
        return items.sorted()
    }

    /// The shipped templates, the seed recorded here, and `wait` as given (default: returns at once).
    func environment(
        wait: @escaping @Sendable (Domain, GuestWaitCondition) async throws(ProvisionerError) -> Void = { _, _ in },
        writeSeed: (@Sendable ([UInt8], StorageVolume) async throws(ProvisionerError) -> Void)? = nil
    ) -> GuestManager.CreateEnvironment {
        let seeds = self.seeds
        return GuestManager.CreateEnvironment(
            templates: TemplateLibrary(searchPath: ["\(Self.repository)/Templates"]),
            writeSeed: writeSeed ?? { bytes, volume in seeds.withLock { $0[volume.name] = bytes } },
            wait: { domain, condition, _, _ throws(ProvisionerError) in try await wait(domain, condition) })
    }

    func request(_ name: String, wait: GuestWaitCondition = .none) -> GuestCreateRequest {
        GuestCreateRequest(
            name: name, template: "k8s-node", image: VolumeRef(pool: "images", volume: "base.qcow2"), pool: "images",
            virtType: .qemu, vcpus: 1, maxVCPUs: 2, memory: .mebibytes(256), maxMemory: .mebibytes(512),
            nics: [.user()], sshAuthorizedKeys: [Self.key], consoleLogDirectory: directory,
            metadata: KinvmMetadata(cluster: "lab", role: "worker"), wait: wait)
    }

    func create(_ request: GuestCreateRequest, _ environment: GuestManager.CreateEnvironment? = nil) async throws
        -> GuestInfo
    {
        try await manager.create(request, progress: { _ in }, using: environment ?? self.environment())
    }
}

@Suite("GuestManager.create on the test driver")
struct GuestCreateTests {
    @Test("create defines the domain with kinvm's metadata, an overlay on the base image and the seed ISO")
    func createsEverything() async throws {
        let host = try await GuestHost.open()
        defer { Task { await host.remove() } }
        let steps = Locked<[String]>([])
        let info = try await host.manager.create(
            host.request("web-1"), progress: { progress in steps.withLock { $0.append(progress.step) } },
            using: host.environment())

        #expect(info.name == "web-1")
        #expect(info.owned)
        #expect(info.state == "shut off")
        #expect(info.virtType == "qemu")
        #expect(info.vcpus == 1 && info.maxVCPUs == 2)
        #expect(info.memoryBytes == 256 << 20 && info.maxMemoryBytes == 512 << 20)
        #expect(info.managedVolumes == ["images/web-1-root.qcow2", "images/web-1-seed.iso"])
        #expect(info.disks == ["images/web-1-root.qcow2", "images/web-1-seed.iso"])
        #expect(info.image == "images/base.qcow2")
        #expect(info.template == "k8s-node")
        #expect(info.cluster == "lab" && info.role == "worker")
        #expect(info.consoleLog == "\(host.directory)/web-1-console.log")
        let created = try #require(info.created)
        #expect(created.count == 20 && created.hasSuffix("Z"))
        let mac = MACAddress.derived(guest: "web-1", nicIndex: 0)
        #expect(info.nics == [GuestInfo.NIC(type: "user", network: nil, mac: mac, model: "virtio")])
        #expect(info.uuid == info.uuid.lowercased())
        #expect(steps.withLock { $0 }.starts(with: ["checking", "creating root disk images/web-1-root.qcow2"]))
        #expect(steps.withLock { $0 }.contains("uploading seed"))
        #expect(steps.withLock { $0 }.contains("defining domain"))
        #expect(!steps.withLock { $0 }.contains("starting"))

        // The overlay rests on the base image, with the base's size.
        let pool = try await host.connection.storagePool(named: "images")
        let root = try await pool.volume(named: "web-1-root.qcow2")
        let rootXML = try XMLDocument(parsing: try await root.xml())
        #expect(try rootXML.evaluateString("/volume/target/format/@type") == "qcow2")
        #expect(try rootXML.evaluateString("/volume/backingStore/path") == "\(host.poolPath)/base.qcow2")
        #expect(try rootXML.evaluateString("/volume/backingStore/format/@type") == "qcow2")
        #expect(try await root.info().capacity == 64 << 20)

        // The seed volume is exactly the ISO's size, and the ISO holds the three seed files.
        let seedVolume = try await pool.volume(named: "web-1-seed.iso")
        let iso = try #require(host.seeds.withLock { $0["web-1-seed.iso"] })
        #expect(try await seedVolume.info().capacity == UInt64(iso.count))
        #expect(Array(iso[32769..<32774]) == Array("CD001".utf8))
        let text = String(decoding: iso, as: UTF8.self)
        #expect(text.contains("instance-id: \(info.uuid)"))
        #expect(text.contains("local-hostname: web-1"))
        #expect(text.contains("#cloud-config\nhostname: web-1\nlocale: false\nssh_authorized_keys:\n- \(GuestHost.key)"))
        #expect(text.contains("macaddress: \(mac)"))
        #expect(text.contains("dhcp4: true"))
    }

    @Test("diskSize grows the overlay; a raw base image gets a raw backing format; user-data keeps its own keys")
    func sizesAndUserData() async throws {
        let host = try await GuestHost.open()
        defer { Task { await host.remove() } }
        var request = host.request("db-1")
        request.image = VolumeRef(pool: "images", volume: "base.img")
        request.diskSize = .gibibytes(2)
        request.nics = [.user(mac: "52:54:00:aa:bb:cc"), .user()]
        request.userData = .raw("#cloud-config\nruncmd:\n  - [touch, /done]\n")
        _ = try await host.create(request)
        let root = try await host.connection.storagePool(named: "images").volume(named: "db-1-root.qcow2")
        #expect(try await root.info().capacity == 2 << 30)
        #expect(try XMLDocument(parsing: try await root.xml()).evaluateString("/volume/backingStore/format/@type") == "raw")
        let text = String(decoding: try #require(host.seeds.withLock { $0["db-1-seed.iso"] }), as: UTF8.self)
        #expect(text.contains("touch"))
        #expect(text.contains(GuestHost.key))
        #expect(text.contains("macaddress: 52:54:00:aa:bb:cc"))
        #expect(text.contains("macaddress: \(MACAddress.derived(guest: "db-1", nicIndex: 1))"))
    }

    /// A bad request: the code, words of the message, and what to change in the host first.
    struct BadInput: Sendable, CustomTestStringConvertible {
        var label: String
        var code: ProvisionerError.Code
        var parts: [String]
        var change: @Sendable (inout GuestCreateRequest) -> Void
        var testDescription: String { label }
    }

    static let badInputs: [BadInput] = [
        BadInput(label: "unknown image", code: .notFound, parts: ["no image named 'nope.qcow2' in pool 'images'", "base.img, base.qcow2"]) {
            $0.image.volume = "nope.qcow2"
        },
        BadInput(label: "unknown image pool", code: .poolNotFound, parts: ["no storage pool named 'gone'", "(pools: images)"]) {
            $0.image.pool = "gone"
        },
        BadInput(label: "unknown pool", code: .poolNotFound, parts: ["no storage pool named 'gone'"]) { $0.pool = "gone" },
        BadInput(label: "unknown template", code: .template, parts: ["'nope'", "no domain template named 'nope'", "search path", "Templates"]) {
            $0.template = "nope"
        },
        BadInput(label: "missing template file", code: .template, parts: ["/no/such/template.xml"]) { $0.template = "/no/such/template.xml" },
        BadInput(label: "vmdk base", code: .unsupportedFormat, parts: ["images/disk.vmdk", "'vmdk'", "qcow2 or raw"]) {
            $0.image.volume = "disk.vmdk"
        },
        BadInput(label: "disk smaller than base", code: .invalidArgument, parts: ["smaller than the base image images/base.qcow2"]) {
            $0.diskSize = .mebibytes(10)
        },
        BadInput(label: "vCPUs beyond host", code: .insufficientResources, parts: ["asks for 4000 maximum vCPUs", "the host has"]) {
            $0.maxVCPUs = 4000
        },
        BadInput(label: "memory beyond host", code: .insufficientResources, parts: ["of memory", "the host has"]) {
            $0.memory = .gibibytes(1024)
            $0.maxMemory = nil
        },
        BadInput(label: "max vCPUs below current", code: .invalidArgument, parts: ["max-vcpus", "below --vcpus 2"]) {
            $0.vcpus = 2
            $0.maxVCPUs = 1
        },
        BadInput(label: "max memory below current", code: .invalidArgument, parts: ["max-memory"]) { $0.maxMemory = .mebibytes(128) },
        BadInput(label: "bad name", code: .invalidArgument, parts: ["name 'Web_1'", "lower-case"]) { $0.name = "Web_1" },
        BadInput(label: "corrupt cloud-config", code: .invalidArgument, parts: ["user-data", "not valid YAML", "line 3"]) {
            $0.userData = .raw("#cloud-config\na: 1\n b: [\n")
        },
        BadInput(label: "unknown user-data", code: .invalidArgument, parts: ["cloud-init would ignore it"]) {
            $0.userData = .raw("hello\n")
        },
        BadInput(label: "keys for a script", code: .invalidArgument, parts: ["SSH keys can only be added to cloud-config"]) {
            $0.userData = .raw("#!/bin/sh\ntrue\n")
        },
        BadInput(label: "private key file name", code: .invalidArgument, parts: ["SSH key 1", "not an OpenSSH public key"]) {
            $0.sshAuthorizedKeys = ["~/.ssh/id_ed25519"]
        },
        BadInput(label: "two-line key", code: .invalidArgument, parts: ["SSH key 2", "several lines"]) {
            $0.sshAuthorizedKeys = [GuestHost.key, "ssh-rsa AAAA\nruncmd: [reboot]"]
        },
        BadInput(label: "bad MAC", code: .invalidArgument, parts: ["nics[0].mac"]) { $0.nics = [.user(mac: "01:00:5e:00:00:01")] },
    ]

    @Test("every bad input is refused with the right code and message, and leaves nothing", arguments: badInputs)
    func badInput(_ bad: BadInput) async throws {
        let host = try await GuestHost.open()
        defer { Task { await host.remove() } }
        let before = try await host.snapshot()
        var request = host.request("web-1")
        bad.change(&request)
        _ = await expectProvisionerError(bad.code, containing: bad.parts) { _ = try await host.create(request) }
        #expect(try await host.snapshot() == before)
        #expect(host.seeds.withLock { $0.isEmpty })
    }

    @Test("a taken name (foreign or kinvm's domain, or a left-over root volume) is refused and left alone")
    func nameTaken() async throws {
        let host = try await GuestHost.open()
        defer { Task { await host.remove() } }
        _ = try await host.connection.defineDomain(xml: """
            <domain type='test'><name>web-1</name><memory unit='KiB'>131072</memory><vcpu>1</vcpu>
            <os><type arch='x86_64'>hvm</type></os><devices/></domain>
            """)
        try await host.createVolume("web-2-root.qcow2", format: "qcow2")
        _ = try await host.create(host.request("web-3"))
        let before = try await host.snapshot()
        _ = await expectProvisionerError(.alreadyExists, containing: ["a domain named 'web-1' already exists", "not created by kinvm"]) {
            _ = try await host.create(host.request("web-1"))
        }
        _ = await expectProvisionerError(.alreadyExists, containing: ["volume 'web-2-root.qcow2' already exists in pool 'images'"]) {
            _ = try await host.create(host.request("web-2"))
        }
        _ = await expectProvisionerError(.alreadyExists, containing: ["a domain named 'web-3' already exists", "a kinvm guest"]) {
            _ = try await host.create(host.request("web-3"))
        }
        #expect(try await host.snapshot() == before)
    }

    @Test("define fails after both volumes were made (a template libvirt refuses): both are deleted")
    func defineFailureRollsBack() async throws {
        let host = try await GuestHost.open()
        defer { Task { await host.remove() } }
        // Valid against the schema, refused by libvirt: a second disk on the root disk's target.
        let document = try XMLDocument(contentsOfFile: "\(GuestHost.repository)/Templates/domains/k8s-node.xml")
        let devices = try #require(document.root.firstChild(named: "devices"))
        let extra = try devices.appendChild("disk", attributes: [("type", "file"), ("device", "disk")])
        try extra.appendChild("source", attributes: [("file", "\(host.directory)/other.img")])
        try extra.appendChild("target", attributes: [("dev", "vda"), ("bus", "virtio")])
        let template = "\(host.directory)/clash.xml"
        try document.serialized().write(toFile: template, atomically: true, encoding: .utf8)
        var request = host.request("web-1")
        request.template = template
        let before = try await host.snapshot()
        let error = await expectProvisionerError(
            .libvirt, containing: ["creating guest 'web-1' failed while defining domain", "everything it made was removed", "duplicated"]
        ) { _ = try await host.create(request) }
        #expect(error?.underlying != nil)
        #expect(host.seeds.withLock { $0["web-1-seed.iso"] } != nil)
        #expect(try await host.snapshot() == before)
    }

    @Test("a failed seed upload (the real stream upload: the test driver has none) deletes both volumes")
    func uploadFailureRollsBack() async throws {
        let host = try await GuestHost.open()
        defer { Task { await host.remove() } }
        var environment = GuestManager.CreateEnvironment.standard(for: host.manager)
        environment.templates = TemplateLibrary(searchPath: ["\(GuestHost.repository)/Templates"])
        let before = try await host.snapshot()
        _ = await expectProvisionerError(
            .libvirt, containing: ["failed while uploading seed", "cannot upload the seed into volume 'web-1-seed.iso'", "removed"]
        ) { _ = try await host.create(host.request("web-1"), environment) }
        #expect(try await host.snapshot() == before)
    }

    @Test("a failed wait after start destroys and undefines the domain and deletes its volumes")
    func waitFailureRollsBack() async throws {
        let host = try await GuestHost.open()
        defer { Task { await host.remove() } }
        let seen = Locked<[String]>([])
        let environment = host.environment { domain, condition throws(ProvisionerError) in
            let active = (try? await domain.isActive()) == true
            seen.withLock { $0.append("\(condition.rawValue) \(active)") }
            throw ProvisionerError(.timeout, "the agent did not answer within 1 s")
        }
        let before = try await host.snapshot()
        _ = await expectProvisionerError(
            .timeout, containing: ["failed while waiting until agent", "the agent did not answer", "removed"]
        ) { _ = try await host.create(host.request("web-1", wait: .agent), environment) }
        #expect(seen.withLock { $0 } == ["agent true"])
        #expect(try await host.snapshot() == before)
    }

    @Test("wait .running starts the guest and calls the wait")
    func startsAndWaits() async throws {
        let host = try await GuestHost.open()
        defer { Task { await host.remove() } }
        let seen = Locked<[GuestWaitCondition]>([])
        let info = try await host.create(
            host.request("web-1", wait: .running), host.environment { _, condition in seen.withLock { $0.append(condition) } })
        #expect(info.state == "running")
        #expect(seen.withLock { $0 } == [.running])
    }

    @Test("cancelling the task mid-create rolls back everything and reports .cancelled")
    func cancellation() async throws {
        let host = try await GuestHost.open()
        defer { Task { await host.remove() } }
        let (started, signal) = AsyncStream<Void>.makeStream()
        let environment = host.environment { _, _ throws(ProvisionerError) in
            signal.yield()
            // A wait that notices cancellation only by its sleep failing, like a real poll.
            do {
                try await Task.sleep(for: .seconds(30))
            } catch {
                throw ProvisionerError(.cancelled, "wait cancelled")
            }
        }
        let before = try await host.snapshot()
        let task = Task { try await host.create(host.request("web-1", wait: .agent), environment) }
        var iterator = started.makeAsyncIterator()
        _ = await iterator.next()
        #expect(try await host.connection.domain(named: "web-1").isActive())
        task.cancel()
        _ = await expectProvisionerError(.cancelled, containing: ["creating guest 'web-1' was cancelled while waiting", "removed"]) {
            _ = try await task.value
        }
        #expect(try await host.snapshot() == before)
    }

    @Test("createMany: at most `parallelism` at once, results in request order")
    func bounded() async throws {
        let host = try await GuestHost.open()
        defer { Task { await host.remove() } }
        let names = (1...5).map { "node-\($0)" }
        let counts = Locked<(now: Int, most: Int, started: Int)>((0, 0, 0))
        let environment = host.environment(writeSeed: { _, _ in
            counts.withLock { $0.now += 1; $0.started += 1; $0.most = max($0.most, $0.now) }
            // Stay until a second create is in flight too (or none can come): with a bound of 2
            // they meet however loaded the machine is; run one at a time, they never would.
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(10)
            while clock.now < deadline, counts.withLock({ $0.now < 2 && $0.started < names.count }) {
                try? await Task.sleep(for: .milliseconds(10))
            }
            try? await Task.sleep(for: .milliseconds(50))
            counts.withLock { $0.now -= 1 }
        })
        let results = await host.manager.createMany(
            names.map { host.request($0) }, parallelism: 2, progress: { _ in }, using: environment)
        #expect(try results.map { try $0.get().name } == names)
        #expect(counts.withLock { $0.most } == 2)
    }

    @Test("createMany with the same name twice: exactly one wins and keeps its domain and volumes", arguments: 0..<3)
    func duplicateNames(round: Int) async throws {
        let host = try await GuestHost.open()
        defer { Task { await host.remove() } }
        let requests = [host.request("twin"), host.request("twin"), host.request("other"), host.request("twin")]
        let results = await host.manager.createMany(requests, parallelism: 4, progress: { _ in }, using: host.environment())
        let twins = [results[0], results[1], results[3]]
        let winners = twins.compactMap { try? $0.get() }
        #expect(winners.count == 1)
        for case .failure(let error) in twins {
            #expect(error.code == .alreadyExists, "\(error)")
        }
        #expect((try? results[2].get())?.name == "other")
        let winner = try #require(winners.first)
        let domain = try await host.connection.domain(named: "twin")
        #expect(domain.uuid == winner.uuid)
        let pool = try await host.connection.storagePool(named: "images")
        #expect(try await pool.volumeIfPresent(named: "twin-root.qcow2") != nil)
        #expect(try await pool.volumeIfPresent(named: "twin-seed.iso") != nil)
        #expect(try await host.manager.get("twin").managedVolumes == ["images/twin-root.qcow2", "images/twin-seed.iso"])
    }
}
