import Foundation
import Testing

@testable import Libvirt

@Suite("Domain")
struct DomainTests {
    @Test("define, look up, start, stop, undefine")
    func lifecycle() async throws {
        let connection = try await TestDriver.open()
        let domain = try await connection.defineDomain(xml: TestDriver.domainXML(name: "web"), flags: .validate)
        #expect(domain.name == "web")
        #expect(domain.uuid.count == 36)
        #expect(try await connection.domain(named: "web").uuid == domain.uuid)
        #expect(try await connection.domain(uuid: domain.uuid).name == "web")
        #expect(try await domain.state().kind == .shutOff)
        #expect(try await domain.isActive() == false)
        #expect(try await domain.isPersistent())
        #expect(try await domain.id() == nil)

        try await domain.start()
        #expect(try await domain.state().kind == .running)
        let id = try #require(try await domain.id())
        #expect(try await connection.domain(id: Int32(id)).name == "web")

        try await domain.suspend()
        #expect(try await domain.state().kind == .paused)
        try await domain.resume()
        #expect(try await domain.state().kind == .running)
        try await domain.reboot()
        #expect(try await domain.state().kind == .running)

        try await domain.shutdown()
        #expect(try await domain.state().kind == .shutOff)
        try await domain.start()
        try await domain.destroy()
        let state = try await domain.state()
        #expect(state.kind == .shutOff)
        #expect(state.reason == Int32(VIR_DOMAIN_SHUTOFF_DESTROYED_CONSTANT))

        try await domain.undefine(flags: [.managedSave, .snapshotsMetadata])
        await expectLibvirtError(.noDomain) { try await connection.domain(named: "web") }
        #expect(try await connection.domainIfPresent(named: "web") == nil)
    }

    @Test("a transient domain runs at once and vanishes when destroyed")
    func transient() async throws {
        let connection = try await TestDriver.open()
        let domain = try await connection.createTransientDomain(xml: TestDriver.domainXML(name: "temp"))
        #expect(try await domain.isActive())
        #expect(try await domain.isPersistent() == false)
        try await domain.destroy()
        #expect(try await connection.domainIfPresent(named: "temp") == nil)
    }

    @Test("list with filters")
    func listFilters() async throws {
        let connection = try await TestDriver.open()
        for name in ["a", "b", "c"] {
            _ = try await connection.defineDomain(xml: TestDriver.domainXML(name: name))
        }
        try await connection.domain(named: "b").start()
        let all = try await connection.allDomains().map(\.name).sorted()
        #expect(all == ["a", "b", "c", "test"])
        let active = try await connection.allDomains(.active).map(\.name).sorted()
        #expect(active == ["b", "test"])
        let inactive = try await connection.allDomains(.inactive).map(\.name).sorted()
        #expect(inactive == ["a", "c"])
        #expect(try await connection.allDomains([.transient]).isEmpty)
    }

    @Test("vCPUs and memory change live and in the config, within the ceilings")
    func sizing() async throws {
        let connection = try await TestDriver.open()
        let domain = try await connection.defineDomain(
            xml: TestDriver.domainXML(name: "sized", vcpus: 1, maxVCPUs: 4, memoryKiB: 131_072, maxMemoryKiB: 262_144))
        #expect(try await domain.vcpuCount(flags: [.config, .maximum]) == 4)
        #expect(try await domain.vcpuCount(flags: .config) == 1)
        try await domain.start()
        try await domain.setVCPUs(3, flags: .live)
        #expect(try await domain.vcpuCount(flags: .live) == 3)
        #expect(try await domain.info().vcpus == 3)
        #expect(try await domain.vcpuCount(flags: .config) == 1)
        try await domain.setVCPUs(2, flags: .config)
        #expect(try await domain.vcpuCount(flags: .config) == 2)

        await expectLibvirtError(.invalidArg) { try await domain.setVCPUs(5, flags: .live) }
        await expectLibvirtError(.invalidArg) { try await domain.setVCPUs(0, flags: .live) }

        try await domain.setMemory(kibibytes: 200_000, flags: .live)
        let info = try await domain.info()
        #expect(info.memoryKiB == 200_000)
        #expect(info.maxMemoryKiB == 262_144)
        #expect(try await domain.maxMemory() == 262_144)
        await expectLibvirtError(.invalidArg) { try await domain.setMemory(kibibytes: 300_000, flags: .live) }

        try await domain.destroy()
        try await domain.setMaxMemory(kibibytes: 524_288)
        #expect(try await domain.maxMemory() == 524_288)
    }

    @Test("XML, autostart and metadata in kinvm's namespace")
    func xmlAndMetadata() async throws {
        let connection = try await TestDriver.open()
        let domain = try await connection.defineDomain(xml: TestDriver.domainXML(name: "meta"))
        let xml = try await domain.xml(flags: .inactive)
        #expect(xml.contains("<name>meta</name>"))
        #expect(xml.contains(domain.uuid))

        #expect(try await domain.autostart() == false)
        try await domain.setAutostart(true)
        #expect(try await domain.autostart())

        let field = Domain.MetadataField.element(namespace: "https://kinvm.dev/xmlns/kinvm/1", prefix: "kinvm")
        #expect(try await domain.metadata(field) == nil)
        try await domain.setMetadata("<owner cluster=\"c1\" role=\"worker\"/>", for: field, flags: .config)
        let stored = try #require(try await domain.metadata(field, flags: .config))
        #expect(stored.contains("cluster=\"c1\""))
        #expect(try await domain.xml(flags: .inactive).contains("kinvm:owner"))
        try await domain.setMetadata(nil, for: field, flags: .config)
        #expect(try await domain.metadata(field, flags: .config) == nil)

        try await domain.setMetadata("A web server", for: .description)
        #expect(try await domain.metadata(.description) == "A web server")
        try await domain.setMetadata("web", for: .title)
        #expect(try await domain.metadata(.title) == "web")
    }

    @Test("bad input gives the right error and leaves nothing behind")
    func errors() async throws {
        let connection = try await TestDriver.open()
        let before = try await connection.allDomains().count
        let unknown = await expectLibvirtError(.noDomain) { try await connection.domain(named: "nope") }
        #expect(unknown?.operation == "virDomainLookupByName")
        #expect(unknown?.object == "domain 'nope'")
        #expect(unknown?.domain == .test)

        let malformed = await expectLibvirtError(.xmlDetail) { try await connection.defineDomain(xml: "<domain><name>x") }
        #expect(malformed?.message.contains("line 1") == true)
        await expectLibvirtError(.xmlInvalidSchema) {
            try await connection.defineDomain(xml: "<domain type='test'><name>x</name><bogus/></domain>", flags: .validate)
        }
        #expect(try await connection.allDomains().count == before)

        let domain = try await connection.defineDomain(xml: TestDriver.domainXML(name: "idle"))
        let invalid = await expectLibvirtError(.operationInvalid) { try await domain.destroy() }
        #expect(invalid?.object == "domain 'idle'")
        #expect(invalid?.operation == "virDomainDestroyFlags")
        // The test driver reports these two as internal errors (the QEMU driver: operationInvalid).
        await expectLibvirtError(.internalError) { try await domain.suspend() }
        try await domain.start()
        await expectLibvirtError(.internalError) { try await domain.start() }
    }

    @Test("guest-agent features the test driver lacks are refused with a clear error")
    func unsupportedOnTestDriver() async throws {
        let connection = try await TestDriver.open()
        let domain = try await connection.domain(named: "test")
        await expectLibvirtError(.notSupported) { try await domain.qemuAgentCommand(#"{"execute":"guest-ping"}"#) }
        let guestVCPUs = await expectLibvirtError(.invalidArg) { try await domain.setVCPUs(1, flags: .guest) }
        #expect(guestVCPUs?.message.contains("unsupported flags") == true)
        await expectLibvirtError(.notSupported) { try await domain.attachDevice(xml: "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>") }
    }

    @Test("interface addresses from the lease source")
    func interfaceAddresses() async throws {
        let connection = try await TestDriver.open()
        let domain = try await connection.domain(named: "test")
        let interfaces = try await domain.interfaceAddresses(source: .lease)
        let first = try #require(interfaces.first)
        #expect(first.hardwareAddress?.isEmpty == false)
        #expect(first.addresses.contains { $0.family == .ipv4 })
    }

    @Test("concurrent calls from many tasks all succeed")
    func concurrency() async throws {
        let connection = try await TestDriver.open()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<64 {
                group.addTask {
                    let domain = try await connection.defineDomain(xml: TestDriver.domainXML(name: "par-\(index)"))
                    try await domain.start()
                    try await domain.setVCPUs(2, flags: .live)
                    try await domain.destroy()
                    try await domain.undefine()
                }
            }
            try await group.waitForAll()
        }
        #expect(try await connection.allDomains().map(\.name) == ["test"])
    }
}

private let VIR_DOMAIN_SHUTOFF_DESTROYED_CONSTANT: Int32 = 2

@Suite("Handle ownership")
struct HandleOwnershipTests {
    @Test("domain, network and pool objects are freed when the last reference goes away")
    func objectsAreFreed() async throws {
        let connection = try await TestDriver.open()
        weak var domain: Domain?
        weak var network: Network?
        weak var pool: StoragePool?
        do {
            let strongDomain = try await connection.domain(named: "test")
            let strongNetwork = try await connection.network(named: "default")
            let strongPool = try await connection.storagePool(named: "default-pool")
            domain = strongDomain
            network = strongNetwork
            pool = strongPool
            #expect(domain != nil && network != nil && pool != nil)
        }
        // The executor's thread may hold the last closure for a moment after resuming us.
        for _ in 0..<100 where domain != nil || network != nil || pool != nil {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(domain == nil)
        #expect(network == nil)
        #expect(pool == nil)
    }

    @Test("a connection is released when nothing references it any more")
    func connectionIsFreed() async throws {
        weak var weakConnection: Connection?
        do {
            let connection = try await TestDriver.open()
            weakConnection = connection
            _ = try await connection.allDomains()
        }
        for _ in 0..<100 where weakConnection != nil {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(weakConnection == nil)
    }
}
