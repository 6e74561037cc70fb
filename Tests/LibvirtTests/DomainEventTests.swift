import Foundation
import Testing

@testable import Libvirt

/// Collects events from a stream until `count` arrived or `timeout` passed.
func collectEvents(
    _ stream: AsyncStream<DomainEvent>, count: Int, timeout: Duration = .seconds(5)
) async -> [DomainEvent] {
    await withTaskGroup(of: [DomainEvent]?.self) { group in
        group.addTask {
            var events: [DomainEvent] = []
            for await event in stream {
                events.append(event)
                if events.count == count { break }
            }
            return events
        }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first ?? []
    }
}

@Suite("Domain events")
struct DomainEventTests {
    @Test("lifecycle events arrive in order, with typed reasons")
    func lifecycle() async throws {
        let connection = try await TestDriver.open()
        let events = try await connection.domainEvents()
        let domain = try await connection.defineDomain(xml: TestDriver.domainXML(name: "ev"))
        try await domain.start()
        try await domain.suspend()
        try await domain.resume()
        try await domain.destroy()
        try await domain.undefine()
        let received = await collectEvents(events, count: 6)
        #expect(received.map(\.kind) == [.defined, .started, .suspended, .resumed, .stopped, .undefined])
        #expect(received.allSatisfy { $0.domainName == "ev" && $0.domainUUID == domain.uuid })
        #expect(received[1].startReason == .booted)
        #expect(received[4].stopReason == .destroyed)
    }

    @Test("a stream for one domain ignores the others")
    func filtered() async throws {
        let connection = try await TestDriver.open()
        let mine = try await connection.defineDomain(xml: TestDriver.domainXML(name: "mine"))
        let other = try await connection.defineDomain(xml: TestDriver.domainXML(name: "other"))
        let events = try await connection.domainEvents(for: mine)
        try await other.start()
        try await mine.start()
        try await other.destroy()
        try await mine.destroy()
        let received = await collectEvents(events, count: 2)
        #expect(received.map(\.domainName) == ["mine", "mine"])
        #expect(received.map(\.kind) == [.started, .stopped])
    }

    @Test("ending the iteration deregisters the callback; new streams still work")
    func deregisters() async throws {
        let connection = try await TestDriver.open()
        do {
            let events = try await connection.domainEvents()
            _ = try await connection.defineDomain(xml: TestDriver.domainXML(name: "one"))
            #expect(await collectEvents(events, count: 1).count == 1)
        }
        let again = try await connection.domainEvents()
        _ = try await connection.defineDomain(xml: TestDriver.domainXML(name: "two"))
        let received = await collectEvents(again, count: 1)
        #expect(received.map(\.domainName) == ["two"])
    }

    @Test("several streams at once, of all domains and of one, share libvirt's registration and each gets every event")
    func concurrentStreams() async throws {
        let connection = try await TestDriver.open()
        let domain = try await connection.defineDomain(xml: TestDriver.domainXML(name: "shared"))
        // libvirt alone refuses the second of these ("event callback already tracked").
        let all1 = try await connection.domainEvents()
        let all2 = try await connection.domainEvents()
        let one1 = try await connection.domainEvents(for: domain)
        let one2 = try await connection.domainEvents(for: domain)
        try await domain.start()
        try await domain.destroy()
        for stream in [all1, all2, one1, one2] {
            #expect(await collectEvents(stream, count: 2).map(\.kind) == [.started, .stopped])
        }
        // Ending the first stream of all domains leaves the second one working.
        _ = consume all1
        try await domain.start()
        #expect(await collectEvents(all2, count: 1).map(\.kind) == [.started])
    }

    @Test("events cannot be registered on a closed connection")
    func closedConnection() async throws {
        let connection = try await TestDriver.open()
        await connection.close()
        await expectLibvirtError(.invalidConnection) { try await connection.domainEvents() }
    }
}
