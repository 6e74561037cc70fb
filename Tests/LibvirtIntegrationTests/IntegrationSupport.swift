import Foundation
import LibXML2
import Provisioner
import Testing

@testable import Libvirt

/// Settings of the integration tests, from the environment that scripts/test.sh prepares.
enum Integration {
    static let environment = ProcessInfo.processInfo.environment

    /// Integration tests run only when scripts/test.sh asks for them (they need a real libvirtd).
    static let enabled = environment["KINVM_INTEGRATION"] == "1"

    /// The real system daemon: guests, pools and streams.
    static var systemURI: String { environment["KINVM_TEST_SYSTEM_URI"] ?? "qemu:///system" }

    /// The private daemon inside the test run's network namespace: libvirt networks.
    static var netnsURI: String? { environment["KINVM_TEST_NETNS_URI"] }

    /// The test guest: a Debian cloud kernel and a busybox initramfs (scripts/build-test-guest.sh).
    static var kernel: String { environment["KINVM_TEST_KERNEL"] ?? "/var/cache/kinvm/test-guest/vmlinuz" }
    static var initrd: String { environment["KINVM_TEST_INITRD"] ?? "/var/cache/kinvm/test-guest/initramfs.cpio.gz" }

    /// The virt type guests run with: `qemu` (TCG) here, where KVM does not work.
    static var virtType: String { environment["KINVM_TEST_VIRT_TYPE"] ?? "qemu" }

    /// A fresh directory for this test's files (console logs, pool directories), readable by QEMU.
    static func workDirectory(_ name: String) throws -> String {
        let base = environment["KINVM_TEST_WORKDIR"] ?? "/var/tmp/kinvm-test"
        let path = "\(base)/\(name)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A name unique to this run, so parallel and repeated runs never collide on the daemon.
    static func uniqueName(_ prefix: String) -> String {
        "kinvm-it-\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// Why a wait ended without seeing what it waited for.
struct WaitTimeout: Error, CustomStringConvertible {
    var awaited: String
    var lastSeen: String
    var description: String { "timed out waiting for \(awaited); last seen: \(lastSeen)" }
}

/// Polls `probe` every `interval` until it returns a value or `timeout` passes.
func waitFor<T>(
    _ awaited: String, timeout: Duration, interval: Duration = .milliseconds(250),
    _ probe: () async throws -> (value: T?, seen: String)
) async throws -> T {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    var seen = "nothing yet"
    while clock.now < deadline {
        let result = try await probe()
        seen = result.seen
        if let value = result.value { return value }
        try await Task.sleep(for: interval)
    }
    throw WaitTimeout(awaited: awaited, lastSeen: seen)
}

/// Waits for the first event that matches, or fails after `timeout`.
func waitForEvent(
    _ events: AsyncStream<DomainEvent>, _ awaited: String, timeout: Duration,
    where matches: @escaping @Sendable (DomainEvent) -> Bool
) async throws -> DomainEvent {
    try await withThrowingTaskGroup(of: DomainEvent?.self) { group in
        group.addTask {
            for await event in events where matches(event) { return event }
            return nil
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        guard let first else { throw WaitTimeout(awaited: awaited, lastSeen: "no matching event") }
        return first
    }
}

/// The text of a guest's serial console log (empty until QEMU creates it).
func consoleText(_ path: String) -> String {
    (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}

/// A failed test's report of a guest's console: whether its kernel reported stalled CPUs (a boot
/// starved of host CPU, not a broken one: see `BootStall`), then the last `characters` of it.
func consoleReport(_ name: String, _ path: String, last characters: Int = 2000) -> String {
    let text = consoleText(path)
    let stall = BootStall.find(in: text).map { "STALLED BOOT: \($0.explanation)\n" } ?? ""
    return "\(stall)console of \(name):\n\(text.suffix(characters))"
}

/// The last value printed on the console for a `KINVM-<KEY> <value>` line.
func lastConsoleValue(_ key: String, in text: String) -> String? {
    text.split(whereSeparator: \.isNewline).last { $0.hasPrefix("KINVM-\(key) ") }
        .map { String($0.dropFirst("KINVM-\(key) ".count)).trimmingCharacters(in: .whitespaces) }
}

/// Destroys (if running) and undefines a domain, ignoring "already gone".
func removeDomain(named name: String, on connection: Connection) async {
    guard let domain = try? await connection.domainIfPresent(named: name) else { return }
    if (try? await domain.isActive()) == true { try? await domain.destroy() }
    try? await domain.undefine(flags: [.managedSave, .snapshotsMetadata, .nvram])
}

/// The XML of the test guest: direct kernel boot, serial console logged to a file, a virtio
/// balloon, vCPU and memory ceilings for live resize, optionally one NIC on a libvirt network and
/// the QEMU guest agent's virtio-serial channel (the initramfs runs the real qemu-ga).
func testGuestXML(
    name: String, consoleLog: String, vcpus: Int = 1, maxVCPUs: Int = 2, memoryMiB: Int = 256,
    maxMemoryMiB: Int = 256, network: String? = nil, mac: String? = nil, guestAgent: Bool = false
) -> String {
    var cmdline = "console=ttyS0 panic=-1"
    if network != nil { cmdline += " kinvm.dhcp=1" }
    let interface =
        network.map { network in
            """
            <interface type='network'><source network='\(network)'/>\
            \(mac.map { "<mac address='\($0)'/>" } ?? "")<model type='virtio'/></interface>
            """
        } ?? ""
    return """
        <domain type='\(Integration.virtType)'>
          <name>\(name)</name>
          <memory unit='MiB'>\(maxMemoryMiB)</memory>
          <currentMemory unit='MiB'>\(memoryMiB)</currentMemory>
          <vcpu placement='static' current='\(vcpus)'>\(maxVCPUs)</vcpu>
          <os>
            <type arch='x86_64' machine='pc'>hvm</type>
            <kernel>\(Integration.kernel)</kernel>
            <initrd>\(Integration.initrd)</initrd>
            <cmdline>\(cmdline)</cmdline>
          </os>
          <features><acpi/>\(Integration.virtType == "qemu" ? "<tcg><tb-cache unit='MiB'>64</tb-cache></tcg>" : "")</features>
          <on_poweroff>destroy</on_poweroff>
          <on_reboot>restart</on_reboot>
          <on_crash>destroy</on_crash>
          <devices>
            <serial type='file'><source path='\(consoleLog)'/><target port='0'/></serial>
            <console type='file'><source path='\(consoleLog)'/><target type='serial' port='0'/></console>
            <memballoon model='virtio'><stats period='1'/></memballoon>
            \(interface)
            \(guestAgent ? "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>" : "")
          </devices>
        </domain>
        """
}

/// The parent of every suite that uses a real libvirtd. Serialized, so that no two of them run at
/// once: they share the daemons, the host's two cores (TCG guests are CPU-bound) and, for the
/// handle-leak test, this process's descriptor table.
@Suite("Real libvirtd", .enabled(if: Integration.enabled), .serialized)
struct RealDaemonTests {}

/// A throwaway `dir` pool on the system daemon for one test: created, built and started, handed to
/// `body`, then emptied, deleted and undefined even when the test fails; the test fails too if the
/// pool could not be removed.
func withScratchPool(
    _ label: String, _ body: (Connection, StoragePool, String) async throws -> Void
) async throws {
    let connection = try await Connection.open(Integration.systemURI)
    let name = Integration.uniqueName(label)
    let directory = try Integration.workDirectory(name)
    var failure: (any Error)?
    do {
        let pool = try await makeScratchPool(name, path: directory, on: connection)
        try await body(connection, pool, directory)
    } catch {
        failure = error
    }
    if let pool = try? await connection.storagePoolIfPresent(named: name) { await removeScratchPool(pool) }
    try? FileManager.default.removeItem(atPath: directory)
    #expect(try await connection.storagePoolIfPresent(named: name) == nil)
    await connection.close()
    if let failure { throw failure }
}

/// Defines, builds and starts a `dir` pool at `path` (XML built as a document).
func makeScratchPool(_ name: String, path: String, on connection: Connection) async throws -> StoragePool {
    let document = XMLDocument(rootName: "pool")
    try document.root.setAttribute("type", "dir")
    try document.root.appendChild("name", text: name)
    try document.root.appendChild("target").appendChild("path", text: path)
    let pool = try await connection.defineStoragePool(xml: document.serialized(), flags: .validate)
    try await pool.build()
    try await pool.start()
    return pool
}

/// Deletes a pool's volumes, then the pool itself, ignoring what is already gone.
func removeScratchPool(_ pool: StoragePool) async {
    for volume in (try? await pool.allVolumes()) ?? [] { try? await volume.delete() }
    if (try? await pool.isActive()) == true { try? await pool.destroy() }
    try? await pool.delete()
    try? await pool.undefine()
}

/// A qcow2 volume whose backing store is the qcow2 image at `backing` (XML built as a document).
func overlayVolumeXML(name: String, backing: String, capacityBytes: UInt64) throws -> String {
    let document = XMLDocument(rootName: "volume")
    try document.root.appendChild("name", text: name)
    try document.root.appendChild("capacity", text: String(capacityBytes), attributes: [("unit", "bytes")])
    try document.root.appendChild("target").appendChild("format", attributes: [("type", "qcow2")])
    let backingStore = try document.root.appendChild("backingStore")
    try backingStore.appendChild("path", text: backing)
    try backingStore.appendChild("format", attributes: [("type", "qcow2")])
    return document.serialized()
}
