import Foundation
import Libvirt
import Testing

@testable import Provisioner

/// Reading a hypervisor host's file through a storage pool on its directory: the pool XML, and the
/// whole path on a real libvirtd (the test driver cannot stream volumes).
@Suite("HostFiles")
struct HostFilesTests {
    @Test("the transient pool's XML escapes the directory, and its target reads back")
    func poolXML() throws {
        let xml = try StorageXML.directoryPool(name: "kinvm-read-1", path: "/var/log/a&b <c>")
        #expect(xml.contains("<path>/var/log/a&amp;b &lt;c&gt;</path>"))
        #expect(xml.contains("type=\"dir\""))
        #expect(try StorageXML.poolTargetPath(xml, pool: "kinvm-read-1") == "/var/log/a&b <c>")
    }

    @Test(
        "the end of a file read, and the file deleted, through libvirt: a transient pool or the pool that has the directory",
        .enabled(if: ProcessInfo.processInfo.environment["KINVM_INTEGRATION"] == "1"))
    func readsThroughLibvirt() async throws {
        let directory = (ProcessInfo.processInfo.environment["KINVM_TEST_WORKDIR"] ?? "/var/tmp/kinvm-test") + "/host-file-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = (1...2000).map { "console line \($0)" }.joined(separator: "\n") + "\n"
        try text.write(toFile: directory + "/g-console.log", atomically: true, encoding: .utf8)
        let connection = try await Connection.open("qemu:///system")
        let reader = HostFiles(connection: connection)

        let whole = try #require(try await reader.tail(of: directory + "/g-console.log", limit: 1 << 20))
        #expect(String(decoding: whole, as: UTF8.self) == text)
        let end = try #require(try await reader.tail(of: directory + "/g-console.log", limit: 20))
        #expect(String(decoding: end, as: UTF8.self) == String(text.suffix(20)))
        #expect(try await reader.tail(of: directory + "/missing.log", limit: 100) == nil)
        #expect(!(try await connection.allStoragePools().map(\.name)).contains { $0.hasPrefix("kinvm-read-") }, "the transient pool is gone")

        // A pool already on that directory is used (libvirt refuses a second one), and kept.
        let pool = try await connection.createTransientStoragePool(xml: try StorageXML.directoryPool(name: "kinvm-test-hfr", path: directory))
        defer { Task { try? await pool.destroy(); await connection.close() } }
        try (text + "one more\n").write(toFile: directory + "/g-console.log", atomically: true, encoding: .utf8)
        let grown = try #require(try await reader.tail(of: directory + "/g-console.log", limit: 9))
        #expect(String(decoding: grown, as: UTF8.self) == "one more\n")
        #expect(try await pool.isActive())
        #expect(try await reader.remove(directory + "/g-console.log"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/g-console.log"))
        #expect(try await reader.remove(directory + "/g-console.log") == false)
    }
}
