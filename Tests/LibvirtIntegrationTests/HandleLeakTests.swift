import Foundation
import Testing

@testable import Libvirt

/// Every libvirt connection to a daemon holds a socket; leaked connection handles therefore show up
/// as sockets that stay open in this process.
extension RealDaemonTests {
    @Suite("No leaked handles on the real daemon")
    struct HandleLeakTests {
        /// Open sockets of this process. Only sockets: tests of other targets that run in parallel
        /// spawn processes through pipes, but only this suite talks to a daemon meanwhile.
        private static func openDescriptors() -> Int {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            return entries.filter { entry in
                let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(entry)")
                return target?.hasPrefix("socket:") == true
            }.count
        }

        @Test("opening and closing, failed opens and failed calls leave no descriptor behind")
        func descriptorsReturnToBaseline() async throws {
            // Warm up libvirt's own process-wide state (event loop pipes, the executor's threads).
            let warm = try await Connection.open(Integration.systemURI)
            _ = try await warm.allDomains()
            await warm.close()
            let baseline = Self.openDescriptors()

            for _ in 0..<25 {
                let connection = try await Connection.open(Integration.systemURI)
                let domains = try await connection.allDomains()
                _ = domains.count
                do {
                    _ = try await connection.domain(named: "kinvm-no-such-domain")
                } catch {
                    #expect(error.code == .noDomain)
                }
                await connection.close()
            }
            for _ in 0..<25 {
                do {
                    _ = try await Connection.open("qemu+unix:///system?socket=/run/kinvm-no-such-daemon.sock")
                } catch {
                    #expect(error.operation == "virConnectOpenAuth")
                }
            }
            // A connection dropped without close() is closed by its deinit.
            for _ in 0..<10 {
                _ = try await Connection.open(Integration.systemURI)
            }
            let after = try await waitFor("open sockets back to \(baseline)", timeout: .seconds(10)) {
                let count = Self.openDescriptors()
                return (count <= baseline ? count : nil, "\(count) open sockets")
            }
            #expect(after <= baseline)
        }
    }
}
