import Foundation
import Testing

@testable import Libvirt

/// libvirt networks on the private libvirtd that scripts/test.sh runs inside its own network
/// namespace: the bridge, dnsmasq and the guest's DHCP traffic never leave that namespace.
extension RealDaemonTests {
    @Suite("Isolated network with a DHCP host entry (netns libvirtd)",
        .enabled(if: Integration.netnsURI != nil))
    struct NetworkIntegrationTests {
        @Test("a reserved address reaches a real guest over DHCP; the network tears down completely")
        func dhcpReservation() async throws {
            let connection = try await Connection.open(try #require(Integration.netnsURI))
            defer { Task { await connection.close() } }
            let suffix = String(UUID().uuidString.prefix(6).lowercased())
            let networkName = "kinvm-it-net-\(suffix)"
            let guestName = "kinvm-it-dhcp-\(suffix)"
            let consoleLog = try Integration.workDirectory(guestName) + "/console.log"
            do {
                try await scenario(connection, networkName: networkName, bridge: "kvt\(suffix)", guestName: guestName, consoleLog: consoleLog)
            } catch {
                Issue.record("\(consoleReport(guestName, consoleLog, last: 2000))")
                await removeDomain(named: guestName, on: connection)
                if let network = try? await connection.networkIfPresent(named: networkName) {
                    try? await network.destroy()
                    try? await network.undefine()
                }
                throw error
            }
        }

        private func scenario(
            _ connection: Connection, networkName: String, bridge: String, guestName: String, consoleLog: String
        ) async throws {
            let network = try await connection.defineNetwork(
                xml: """
                    <network>
                      <name>\(networkName)</name>
                      <bridge name='\(bridge)' stp='off'/>
                      <ip address='192.168.251.1' netmask='255.255.255.0'>
                        <dhcp><range start='192.168.251.100' end='192.168.251.200'/></dhcp>
                      </ip>
                    </network>
                    """, flags: .validate)
            try await network.start()
            #expect(try await network.isActive())
            #expect(try await network.bridgeName() == bridge)

            // Reserve an address outside the dynamic range, live and in the persistent definition.
            let mac = "52:54:00:4b:49:4e"
            try await network.addDHCPHost(mac: mac, ip: "192.168.251.50", name: "kinvm-node", flags: [.live, .config])
            for flags: Network.XMLFlags in [[], .inactive] {
                let xml = try await network.xml(flags: flags)
                #expect(xml.contains("<host mac='\(mac)' name='kinvm-node' ip='192.168.251.50'/>"), "\(xml)")
            }
            // The same reservation twice is refused.
            do {
                try await network.addDHCPHost(mac: mac, ip: "192.168.251.50", flags: .live)
                Issue.record("adding the same DHCP host twice should fail")
            } catch {
                #expect(error.operation == "virNetworkUpdate")
            }

            // A real guest with that MAC gets the reserved address from the network's dnsmasq.
            _ = try await connection.defineDomain(
                xml: testGuestXML(name: guestName, consoleLog: consoleLog, network: networkName, mac: mac), flags: .validate)
            let guest = try await connection.domain(named: guestName)
            try await guest.start()
            let address = try await waitFor("guest address over DHCP", timeout: .seconds(120)) {
                let value = lastConsoleValue("IP", in: consoleText(consoleLog))
                return (value?.hasSuffix("192.168.251.50/24") == true ? value : nil, "KINVM-IP \(value ?? "none")")
            }
            #expect(address.hasSuffix("192.168.251.50/24"))
            let lease = try await waitFor("lease in libvirt", timeout: .seconds(30)) {
                let leases = try await network.dhcpLeases(mac: mac)
                return (leases.first, "\(leases.count) leases")
            }
            #expect(lease.ipAddress == "192.168.251.50")
            #expect(lease.mac == mac)
            #expect(lease.interface == bridge)
            let fromDomain = try await guest.interfaceAddresses(source: .lease)
            #expect(fromDomain.flatMap(\.addresses).map(\.address) == ["192.168.251.50"])

            try await guest.destroy()
            try await guest.undefine()

            // Remove the reservation, then the network; nothing is left.
            try await network.removeDHCPHost(mac: mac, ip: "192.168.251.50", flags: [.live, .config])
            #expect(!(try await network.xml(flags: .inactive)).contains(mac))
            try await network.destroy()
            #expect(try await network.isActive() == false)
            try await network.undefine()
            #expect(try await connection.networkIfPresent(named: networkName) == nil)
            do {
                _ = try await connection.network(named: networkName)
                Issue.record("the network should be gone")
            } catch {
                #expect(error.code == .noNetwork)
            }
        }
    }
}
