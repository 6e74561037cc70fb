import Foundation
import Testing

@testable import Libvirt

/// Shared helpers for the unit tests on libvirt's in-process test driver.
///
/// All `test:///default` connections of one process share a single host state while any of them
/// is open, and Swift Testing runs tests in parallel. Tests that create or list objects therefore
/// use ``isolated(domains:)``: a private host loaded from its own `test:///PATH` file, which the
/// driver parses once at open (the file is removed right after).
enum TestDriver {
    /// The shared default test host, for tests that only read fixed facts of it.
    static func shared() async throws -> Connection {
        try await Connection.open("test:///default")
    }

    /// A private test host with the same content as `test:///default` (domain `test`, network
    /// `default`, pool `default-pool`) plus running domains with the given names.
    static func open(domains: [String] = []) async throws -> Connection {
        let (uri, directory) = try hostFile(domainNames: ["test"] + domains)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await Connection.open(uri)
    }

    /// A minimal domain definition the test driver accepts.
    static func domainXML(
        name: String, vcpus: Int = 1, maxVCPUs: Int = 4, memoryKiB: Int = 131_072, maxMemoryKiB: Int = 262_144
    ) -> String {
        """
        <domain type='test'>
          <name>\(name)</name>
          <memory unit='KiB'>\(maxMemoryKiB)</memory>
          <currentMemory unit='KiB'>\(memoryKiB)</currentMemory>
          <vcpu current='\(vcpus)'>\(maxVCPUs)</vcpu>
          <os><type arch='x86_64'>hvm</type></os>
        </domain>
        """
    }

    /// Writes a test-driver host file with the given domains (the driver starts them all), a
    /// network `default` and a dir pool `default-pool`, and returns its `test:///PATH` URI.
    static func hostFile(domainNames: [String]) throws -> (uri: String, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let domainElements = domainNames.map { name in
            """
              <domain type='test'>
                <name>\(name)</name>
                <memory unit='KiB'>262144</memory>
                <vcpu>2</vcpu>
                <os><type arch='x86_64'>hvm</type></os>
                <devices>
                  <interface type='network'><mac address='52:54:00:aa:bb:\(String(format: "%02x", abs(name.hashValue) % 256))'/><source network='default'/></interface>
                </devices>
              </domain>
            """
        }.joined(separator: "\n")
        let xml = """
            <node>
              <cpu><mhz>2000</mhz><model>kinvm-test-cpu</model><active>4</active><nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>1</threads></cpu>
              <memory>8388608</memory>
            \(domainElements)
              <network>
                <name>default</name>
                <bridge name='virbr0'/>
                <forward/>
                <ip address='192.168.122.1' netmask='255.255.255.0'>
                  <dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp>
                </ip>
              </network>
              <pool type='dir'>
                <name>default-pool</name>
                <target><path>/default-pool</path></target>
              </pool>
            </node>
            """
        let file = directory.appendingPathComponent("host.xml")
        try xml.write(to: file, atomically: true, encoding: .utf8)
        return ("test://\(file.path)", directory)
    }
}

/// Expects `body` to throw a `LibvirtError` with the given code and returns it for further checks.
@discardableResult
func expectLibvirtError<T>(
    _ code: LibvirtError.Code, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> T
) async -> LibvirtError? {
    do {
        _ = try await body()
        Issue.record("expected LibvirtError \(code), but the call succeeded", sourceLocation: sourceLocation)
        return nil
    } catch let error as LibvirtError {
        #expect(error.code == code, "got \(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected LibvirtError \(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
