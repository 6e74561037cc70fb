import Foundation
import Libvirt
import Testing

@testable import Provisioner

/// A cluster network on the private libvirtd inside the test run's network namespace: its bridge,
/// dnsmasq and the guest's DHCP traffic never leave that namespace (192.168.213.0/24 exists only there).
extension RealDaemonTests {
    @Suite("Cluster network (netns libvirtd)", .enabled(if: Integration.netnsURI != nil))
    struct ClusterNetworkIntegrationTests {
        /// The namespace and state directory of the netns instance, from its URI
        /// (`qemu+unix:///system?socket=/run/kinvm/NAME/libvirt-sock`, see scripts/libvirtd.sh).
        static func instance(_ uri: String) -> (netns: String, dnsmasqDirectory: String)? {
            let parts = uri.components(separatedBy: "/run/kinvm/")
            guard parts.count == 2, let name = parts[1].split(separator: "/").first else { return nil }
            let base = Integration.environment["KINVM_INSTANCES_DIR"] ?? "/var/lib/kinvm-instances"
            return (String(name), "\(base)/\(name)/lib/dnsmasq")
        }

        @Test("ensure a NAT network, reserve two nodes (live, config, dnsmasq), a guest gets its address, release, delete")
        func lifecycle() async throws {
            let uri = try #require(Integration.netnsURI)
            let instance = try #require(Self.instance(uri), "cannot tell the netns instance from \(uri)")
            let connection = try await Connection.open(uri)
            let suffix = String(UUID().uuidString.prefix(6).lowercased())
            let cluster = "it\(suffix)"
            let network = ClusterNetwork(name: "kinvm-it-cn-\(suffix)", cluster: cluster, on: connection)
            let guestName = "\(cluster)-cp-1"
            let consoleLog = try Integration.workDirectory(guestName) + "/console.log"
            do {
                try await scenario(network, instance: instance, guestName: guestName, consoleLog: consoleLog)
            } catch {
                Issue.record("\(consoleReport(guestName, consoleLog, last: 2000))")
                await removeDomain(named: guestName, on: connection)
                try? await network.delete()
                await connection.close()
                throw error
            }
            await connection.close()
        }

        private func scenario(
            _ network: ClusterNetwork, instance: (netns: String, dnsmasqDirectory: String), guestName: String,
            consoleLog: String
        ) async throws {
            let connection = network.connection
            let cidr = try IPv4Network(cidr: "192.168.213.0/24")
            let definition = ClusterNetworkDefinition(
                name: network.name, cidr: cidr, mode: .nat,
                metadata: ClusterNetworkMetadata(
                    cluster: network.cluster, created: ClusterNetworkMetadata.timestamp(Date()), ttlSeconds: 600,
                    spec: "kind: Cluster # <&>\n"))
            let state = try await network.ensure(definition)
            #expect(state.isActive && state.isPersistent && state.autostart)
            #expect(state.metadata == definition.metadata, "libvirt 9.0 keeps the network's <metadata>")
            let bridge = try #require(state.bridge)
            #expect(try netnsCommand(instance.netns, ["ip", "link", "show", "dev", bridge]).status == 0)
            #expect(try await network.ensure(definition) == state)

            // Two nodes, reserved live and in the definition; dnsmasq's hosts file follows.
            let nodes = [guestName, "\(network.cluster)-w-1"]
            let allocation = try AddressAllocator.allocate(in: cidr, existing: state.reservations, wanted: nodes)
            #expect(allocation.reservations.map(\.ip.description) == ["192.168.213.10", "192.168.213.11"])
            #expect(try await network.reserve(allocation.reservations) == allocation.reservations)
            #expect(try await network.reserve(allocation.reservations).isEmpty)
            let raw = try await connection.network(named: network.name)
            for flags: Network.XMLFlags in [[], .inactive] {
                let xml = try await raw.xml(flags: flags)
                #expect(xml.contains("<range") == false)
                for reservation in allocation.reservations {
                    #expect(
                        xml.contains("<host mac='\(reservation.mac)' name='\(reservation.node)' ip='\(reservation.ip)'/>"),
                        "\(flags): \(xml)")
                }
            }
            let hostsFile = "\(instance.dnsmasqDirectory)/\(network.name).hostsfile"
            let hosts = try String(contentsOfFile: hostsFile, encoding: .utf8)
            for reservation in allocation.reservations {
                #expect(hosts.contains("\(reservation.mac),\(reservation.ip),\(reservation.node)"), "\(hosts)")
            }
            let conf = try String(contentsOfFile: "\(instance.dnsmasqDirectory)/\(network.name).conf", encoding: .utf8)
            #expect(conf.contains("dhcp-range=192.168.213.1,static"), "\(conf)")

            // A guest with the node's derived MAC gets the reserved address (no dynamic range exists).
            try await bootGuest(guestName, network: network.name, consoleLog: consoleLog, expecting: "192.168.213.10/24")

            // The record changes in the persistent definition; the running network keeps going.
            try await network.setSpec(yaml: "kind: Cluster\nspec: {}\n", ttlSeconds: nil)
            let updated = try #require(try await network.state())
            #expect(updated.metadata?.spec == "kind: Cluster\nspec: {}\n")
            #expect(updated.metadata?.ttlSeconds == nil)
            #expect(updated.metadata?.created == definition.metadata.created)
            #expect(updated.isActive && updated.bridge == bridge)
            #expect(updated.reservations == allocation.reservations)
            #expect(try await raw.xml().contains("ttl=\"600\""), "the live XML keeps the old record until restart")

            // Release the worker: gone live, in the definition and from dnsmasq's hosts file.
            let worker = allocation.reservations[1]
            #expect(try await network.release(nodes: [worker.node]) == [worker.node])
            #expect(try await network.release(nodes: [worker.node]).isEmpty)
            for flags: Network.XMLFlags in [[], .inactive] {
                #expect(!(try await raw.xml(flags: flags)).contains(worker.mac))
            }
            let hostsAfter = try String(contentsOfFile: hostsFile, encoding: .utf8)
            #expect(!hostsAfter.contains(worker.mac) && hostsAfter.contains(allocation.reservations[0].mac), "\(hostsAfter)")

            // Delete: nothing of the network is left, in libvirt, dnsmasq's files or the namespace.
            await removeDomain(named: guestName, on: connection)
            try await network.delete()
            try await network.delete()
            #expect(try await connection.networkIfPresent(named: network.name) == nil)
            #expect(try await ClusterNetwork.list(on: connection).contains { $0.name == network.name } == false)
            for file in ["hostsfile", "conf", "addnhosts"] {
                let path = "\(instance.dnsmasqDirectory)/\(network.name).\(file)"
                #expect(!FileManager.default.fileExists(atPath: path), "\(path) is left")
            }
            #expect(try netnsCommand(instance.netns, ["ip", "link", "show", "dev", bridge]).status != 0)
        }

        /// Boots the busybox test guest on the network with the node's derived MAC and waits until
        /// its console reports `address`.
        private func bootGuest(_ name: String, network: String, consoleLog: String, expecting address: String) async throws {
            let connection = try await Connection.open(try #require(Integration.netnsURI))
            defer { Task { await connection.close() } }
            let mac = MACAddress.derived(guest: name, nicIndex: 0)
            let guest = try await connection.defineDomain(
                xml: testGuestXML(name: name, consoleLog: consoleLog, network: network, mac: mac), flags: .validate)
            try await guest.start()
            let seen = try await waitFor("\(name) to get \(address) over DHCP", timeout: .seconds(120)) {
                let value = lastConsoleValue("IP", in: consoleText(consoleLog))
                return (value?.hasSuffix(address) == true ? value : nil, "KINVM-IP \(value ?? "none")")
            }
            #expect(seen.hasSuffix(address))
        }

        /// Runs a command inside the instance's network namespace (`ip netns exec`).
        private func netnsCommand(_ netns: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            process.arguments = ["netns", "exec", netns] + arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, output)
        }
    }
}
