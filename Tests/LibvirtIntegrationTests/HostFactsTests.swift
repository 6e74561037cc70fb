import Foundation
import Testing

@testable import Libvirt

extension RealDaemonTests {
    @Suite("Host facts from qemu:///system")
    struct HostFactsTests {
        @Test("versions, host info, capabilities and domain capabilities")
        func facts() async throws {
            let connection = try await Connection.open(Integration.systemURI)
            defer { Task { await connection.close() } }
            #expect(try await connection.hypervisorType() == "QEMU")
            #expect(try await connection.hypervisorVersion() >= Version(major: 5, minor: 0, release: 0))
            #expect(try await connection.libraryVersion() == (try Connection.libraryVersion()))
            #expect(try await connection.hostname() == ProcessInfo.processInfo.hostName)
            let node = try await connection.nodeInfo()
            #expect(node.model == "x86_64")
            #expect(node.cpus == ProcessInfo.processInfo.activeProcessorCount)
            #expect(node.memoryKiB > 0)
            #expect(try await connection.freeMemory() <= node.memoryKiB * 1024)
            #expect(try await connection.capabilities().contains("<domain type='qemu'"))
            let tcg = try await connection.domainCapabilities(arch: "x86_64", virtType: "qemu")
            #expect(tcg.contains("<domain>qemu</domain>"))
            #expect(try await connection.isSecure())
            #expect(try await connection.isAlive())
        }

        @Test("a read-only connection lists but cannot define")
        func readOnly() async throws {
            let connection = try await Connection.open(Integration.systemURI, flags: .readOnly)
            defer { Task { await connection.close() } }
            _ = try await connection.allDomains()
            do {
                _ = try await connection.defineDomain(
                    xml: testGuestXML(name: Integration.uniqueName("ro"), consoleLog: "/dev/null"))
                Issue.record("a read-only connection must not define domains")
            } catch {
                #expect(error.code == .operationDenied)
            }
        }
    }
}
