import Foundation
import KinvmTestSupport
import Testing

@testable import Libvirt

/// A real guest on the real libvirtd: boot, console, events, live resize, ACPI shutdown.
extension RealDaemonTests {
    @Suite("Real guest on qemu:///system")
    struct GuestBootTests {
        @Test("boots, prints its marker, resizes live, and shuts down through ACPI, with every lifecycle event")
        func bootResizeShutdown() async throws {
            let connection = try await Connection.open(Integration.systemURI)
            defer { Task { await connection.close() } }
            let name = Integration.uniqueName("boot")
            let consoleLog = try Integration.workDirectory(name) + "/console.log"
            do {
                try await runBootScenario(connection: connection, name: name, consoleLog: consoleLog)
            } catch {
                Issue.record("\(consoleReport(name, consoleLog, last: 2000))")
                await removeDomain(named: name, on: connection)
                throw error
            }
            await removeDomain(named: name, on: connection)
        }

        private func runBootScenario(connection: Connection, name: String, consoleLog: String) async throws {
            let events = try await connection.domainEvents()
            let mine: @Sendable (DomainEvent) -> Bool = { $0.domainName == name }
            let domain = try await connection.defineDomain(
                xml: testGuestXML(name: name, consoleLog: consoleLog, vcpus: 1, maxVCPUs: 2, memoryMiB: 256, maxMemoryMiB: 256),
                flags: .validate)
            _ = try await waitForEvent(events, "defined event", timeout: .seconds(10)) { mine($0) && $0.kind == .defined }

            try await domain.start()
            let started = try await waitForEvent(events, "started event", timeout: .seconds(30)) {
                mine($0) && $0.kind == .started
            }
            #expect(started.startReason == .booted)
            #expect(try await domain.state().kind == .running)

            // The guest's own console proves it booted (TCG here: a few seconds).
            _ = try await waitFor("console marker KINVM-TEST-GUEST-READY", timeout: .seconds(120)) {
                let text = consoleText(consoleLog)
                return (text.contains("KINVM-TEST-GUEST-READY") ? true : nil, String(text.suffix(300)))
            }
            _ = try await waitFor("balloon driver bound", timeout: .seconds(30)) {
                let value = lastConsoleValue("BALLOON", in: consoleText(consoleLog))
                return (value == "yes" ? true : nil, value ?? "no KINVM-BALLOON line")
            }

            // Live memory change through the balloon, confirmed by the guest's balloon driver.
            try await domain.setMemory(kibibytes: 192 * 1024, flags: .live)
            let balloon = try await waitFor("balloon at 192 MiB", timeout: .seconds(60)) {
                let stats = try await domain.memoryStats()
                let actual = stats[.actualBalloon]
                return (actual == 192 * 1024 ? actual : nil, "actual balloon \(actual.map(String.init) ?? "unknown") KiB")
            }
            #expect(balloon == 196_608)
            // libvirt's own figure follows once QEMU reports the balloon change.
            _ = try await waitFor("domain info at 192 MiB", timeout: .seconds(30)) {
                let memory = try await domain.info().memoryKiB
                return (memory == 196_608 ? memory : nil, "info().memoryKiB \(memory)")
            }
            #expect(try await domain.maxMemory() == 262_144)

            // Live vCPU hot-add, confirmed inside the guest.
            try await domain.setVCPUs(2, flags: .live)
            #expect(try await domain.vcpuCount(flags: .live) == 2)
            _ = try await waitFor("guest sees 2 CPUs", timeout: .seconds(60)) {
                let value = lastConsoleValue("CPUS", in: consoleText(consoleLog))
                return (value == "2" ? true : nil, "KINVM-CPUS \(value ?? "none")")
            }
            // The persistent definition is untouched by live changes.
            #expect(try await domain.vcpuCount(flags: .config) == 1)

            // ACPI shutdown: the guest powers itself off.
            try await domain.shutdown(flags: .acpiPowerButton)
            let stopped = try await waitForEvent(events, "stopped event after ACPI shutdown", timeout: .seconds(90)) {
                mine($0) && $0.kind == .stopped
            }
            #expect(stopped.stopReason == .shutdown)
            #expect(consoleText(consoleLog).contains("KINVM-POWEROFF"))
            #expect(try await domain.state().kind == .shutOff)

            try await domain.undefine()
            _ = try await waitForEvent(events, "undefined event", timeout: .seconds(10)) { mine($0) && $0.kind == .undefined }
            #expect(try await connection.domainIfPresent(named: name) == nil)
        }

        @Test("the real QEMU guest agent: raw commands, vCPUs on/offlined in the guest, addresses")
        func guestAgent() async throws {
            let connection = try await Connection.open(Integration.systemURI)
            defer { Task { await connection.close() } }
            let name = Integration.uniqueName("agent")
            let consoleLog = try Integration.workDirectory(name) + "/console.log"
            do {
                // Two vCPUs booting: two slots (see GuestSlots).
                try await GuestSlots.withSlots(2, for: "guest agent (busybox, 2 vCPUs)", minutes: 2) {
                    try await runAgentScenario(connection: connection, name: name, consoleLog: consoleLog)
                }
            } catch {
                Issue.record("\(consoleReport(name, consoleLog, last: 2000))")
                await removeDomain(named: name, on: connection)
                throw error
            }
            await removeDomain(named: name, on: connection)
        }

        private func runAgentScenario(connection: Connection, name: String, consoleLog: String) async throws {
            let domain = try await connection.defineDomain(
                xml: testGuestXML(name: name, consoleLog: consoleLog, vcpus: 2, maxVCPUs: 2, guestAgent: true),
                flags: .validate)
            try await domain.start()
            // The guest prints its READY marker only after qemu-ga is up.
            _ = try await waitFor("console marker KINVM-TEST-GUEST-READY", timeout: .seconds(120)) {
                let text = consoleText(consoleLog)
                return (text.contains("KINVM-TEST-GUEST-READY") ? true : nil, String(text.suffix(300)))
            }
            #expect(consoleText(consoleLog).contains("KINVM-AGENT started"))

            let pong = try await waitFor("guest-ping answered", timeout: .seconds(30)) {
                do {
                    let answer = try await domain.qemuAgentCommand(#"{"execute":"guest-ping"}"#, timeout: .seconds(5))
                    return (answer, "")
                } catch {
                    return (nil, "\(error)")
                }
            }
            #expect(pong == #"{"return":{}}"#)
            let info = try await domain.qemuAgentCommand(#"{"execute":"guest-info"}"#)
            #expect(info.contains("\"version\""))

            // vCPUs on/offlined inside the guest through the agent (VIR_DOMAIN_VCPU_GUEST).
            #expect(try await domain.vcpuCount(flags: .guest) == 2)
            try await domain.setVCPUs(1, flags: .guest)
            #expect(try await domain.vcpuCount(flags: .guest) == 1)
            _ = try await waitFor("guest reports 1 online CPU", timeout: .seconds(30)) {
                let value = lastConsoleValue("CPUS", in: consoleText(consoleLog))
                return (value == "1" ? true : nil, "KINVM-CPUS \(value ?? "none")")
            }
            // The hypervisor still gives the guest 2 vCPUs; only the guest took one offline.
            #expect(try await domain.vcpuCount(flags: .live) == 2)
            try await domain.setVCPUs(2, flags: .guest)
            #expect(try await domain.vcpuCount(flags: .guest) == 2)

            // Addresses as the agent sees them: no NIC, but loopback.
            let interfaces = try await domain.interfaceAddresses(source: .agent)
            let loopback = try #require(interfaces.first { $0.name == "lo" })
            #expect(loopback.addresses.contains { $0.address == "127.0.0.1" && $0.prefix == 8 && $0.family == .ipv4 })

            // A command the agent does not know: a typed error, not a crash.
            do {
                _ = try await domain.qemuAgentCommand(#"{"execute":"kinvm-no-such-command"}"#)
                Issue.record("an unknown agent command should fail")
            } catch {
                #expect(error.operation == "virDomainQemuAgentCommand")
                #expect(error.message.contains("kinvm-no-such-command"))
            }
            try await domain.destroy()
        }

        @Test("destroy reports a destroyed stop; QEMU driver errors are typed")
        func destroyAndErrors() async throws {
            let connection = try await Connection.open(Integration.systemURI)
            defer { Task { await connection.close() } }
            let name = Integration.uniqueName("destroy")
            let consoleLog = try Integration.workDirectory(name) + "/console.log"
            defer { Task { await removeDomain(named: name, on: connection) } }

            let domain = try await connection.defineDomain(xml: testGuestXML(name: name, consoleLog: consoleLog))
            do {
                try await domain.destroy()
                Issue.record("destroying a shut-off domain should fail")
            } catch {
                #expect(error.code == .operationInvalid)
                #expect(error.message.contains("not running"))
                #expect(error.object == "domain '\(name)'")
            }
            let events = try await connection.domainEvents(for: domain)
            try await domain.start()
            try await domain.destroy()
            let stopped = try await waitForEvent(events, "stopped event", timeout: .seconds(30)) { $0.kind == .stopped }
            #expect(stopped.stopReason == .destroyed)
            try await domain.undefine()

            do {
                _ = try await connection.domain(named: name)
                Issue.record("lookup of an undefined domain should fail")
            } catch {
                #expect(error.code == .noDomain)
            }
        }

        @Test("a dead daemon socket gives a clear error")
        func deadDaemon() async throws {
            do {
                _ = try await Connection.open("qemu+unix:///system?socket=/run/kinvm-no-such-daemon.sock")
                Issue.record("connecting to a missing socket should fail")
            } catch {
                #expect(error.operation == "virConnectOpenAuth")
                #expect(error.message.contains("kinvm-no-such-daemon.sock"))
            }
        }
    }
}
