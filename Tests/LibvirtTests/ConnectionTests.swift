import Foundation
import Testing

@testable import Libvirt

@Suite("Connection")
struct ConnectionTests {
    @Test("opens test:///default and reports host facts")
    func hostFacts() async throws {
        let connection = try await TestDriver.shared()
        #expect(connection.isOpen)
        #expect(try await connection.hypervisorType() == "TEST")
        #expect(try await connection.canonicalURI() == "test:///default")
        #expect(try await connection.libraryVersion() >= Version(major: 9, minor: 0, release: 0))
        #expect(try Connection.libraryVersion() == (try await connection.libraryVersion()))
        #expect(try await connection.hypervisorVersion() > Version(major: 0, minor: 0, release: 0))
        #expect(!(try await connection.hostname()).isEmpty)
        let node = try await connection.nodeInfo()
        #expect(node.cpus == 16)
        #expect(node.model == "i686")
        #expect(node.memoryKiB == 3_145_728)
        #expect(try await connection.freeMemory() > 0)
        #expect(try await connection.capabilities().contains("<capabilities>"))
        #expect(try await connection.isAlive())
        #expect(try await connection.isSecure())
        #expect(try await connection.isEncrypted() == false)
    }

    @Test("a test:///PATH host file gives its own CPUs and domains")
    func hostFile() async throws {
        let connection = try await TestDriver.open(domains: ["alpha", "beta", "gamma"])
        let node = try await connection.nodeInfo()
        #expect(node.cpus == 4)
        #expect(node.model == "kinvm-test-cpu")
        #expect(node.memoryKiB == 8_388_608)
        let names = try await connection.allDomains().map(\.name).sorted()
        #expect(names == ["alpha", "beta", "gamma", "test"])
    }

    @Test("a read-only connection refuses changes")
    func readOnly() async throws {
        let connection = try await Connection.open("test:///default", flags: .readOnly)
        defer { Task { await connection.close() } }
        #expect(connection.isReadOnly)
        #expect(try await connection.domain(named: "test").name == "test")
        await expectLibvirtError(.operationDenied) {
            try await connection.defineDomain(xml: TestDriver.domainXML(name: "ro"))
        }
    }

    @Test("an invalid or unknown URI fails with a clear error", arguments: [
        "nosuchdriver:///x", "test:///no/such/file.xml", "qemu+unix:///system?socket=/nonexistent/kinvm.sock",
    ])
    func invalidURI(uri: String) async throws {
        do {
            _ = try await Connection.open(uri)
            Issue.record("opening \(uri) should fail")
        } catch {
            #expect(error.operation == "virConnectOpenAuth")
            #expect(error.object == "uri '\(uri)'")
            #expect(!error.message.isEmpty)
            #expect(error.description.contains(uri))
        }
    }

    @Test("calls after close fail with invalidConnection, for the connection and its objects")
    func closed() async throws {
        let connection = try await TestDriver.open()
        let domain = try await connection.domain(named: "test")
        await connection.close()
        await connection.close()  // closing twice is harmless
        #expect(!connection.isOpen)
        let error = await expectLibvirtError(.invalidConnection) { try await connection.hostname() }
        #expect(error?.message.contains("closed") == true)
        await expectLibvirtError(.invalidConnection) { try await domain.info() }
        await expectLibvirtError(.invalidConnection) { try await connection.allDomains() }
    }

    @Test("domain capabilities are not available on the test driver, and say so")
    func domainCapabilitiesUnsupported() async throws {
        let connection = try await TestDriver.open()
        let error = await expectLibvirtError(.notSupported) { try await connection.domainCapabilities() }
        #expect(error?.operation == "virConnectGetDomainCapabilities")
    }

    @Test("keepalive is refused by the local test driver")
    func keepAlive() async throws {
        let connection = try await TestDriver.shared()
        let error = await expectLibvirtError(.notSupported) { try await connection.setKeepAlive(interval: 5, count: 3) }
        #expect(error?.operation == "virConnectSetKeepAlive")
    }
}
