import Foundation
import Testing
@testable import KubeStandIn

@Suite(.timeLimit(.minutes(2))) struct WatchTests {
    static func events(_ text: String) -> [(String, String)] {
        text.split(separator: "\n").compactMap { line in
            guard let event = JSON.parse(Array(line.utf8)), let type = event["type"]?.string else { return nil }
            return (type, event[path: ["object", "metadata", "name"]]?.string ?? "")
        }
    }

    static let configMap = #"{"metadata":{"name":"cm","labels":{"w":"yes"}},"data":{"k":"1"}}"#

    @Test func liveWatchSeesAddedModifiedDeletedInOrder() async throws {
        try await StandInFixture.with { standIn in
            let start = try #require(standIn.object("/api/v1/namespaces/default/configmaps")?[path: ["metadata", "resourceVersion"]]?.string)
            // The server ends the watch after timeoutSeconds: long enough for the four requests
            // below even on a loaded machine (6 s was not, in a full scripts/test.sh run).
            async let watch = standIn.curl("GET", "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=\(start)&timeoutSeconds=20")
            try await Task.sleep(for: .milliseconds(700))
            #expect(try await standIn.curl("POST", "/api/v1/namespaces/default/configmaps", body: Self.configMap).code == 201)
            #expect(try await standIn.curl("POST", "/api/v1/namespaces/kube-system/configmaps", body: #"{"metadata":{"name":"elsewhere"}}"#).code == 201)
            let patch = #"{"data":{"k":"2"}}"#
            #expect(try await standIn.curl("PATCH", "/api/v1/namespaces/default/configmaps/cm", body: patch, contentType: "application/merge-patch+json").code == 200)
            #expect(try await standIn.curl("DELETE", "/api/v1/namespaces/default/configmaps/cm").code == 200)
            let response = try await watch
            #expect(response.code == 200)
            let events = Self.events(response.text)
            #expect(events.map(\.0) == ["ADDED", "MODIFIED", "DELETED"])
            #expect(events.allSatisfy { $0.1 == "cm" })
        }
    }

    @Test func replayFromResourceVersionAndSelectors() async throws {
        try await StandInFixture.with { standIn in
            let start = try #require(standIn.object("/api/v1/namespaces/default/configmaps")?[path: ["metadata", "resourceVersion"]]?.string)
            #expect(try await standIn.curl("POST", "/api/v1/namespaces/default/configmaps", body: Self.configMap).code == 201)
            #expect(try await standIn.curl("POST", "/api/v1/namespaces/default/configmaps", body: #"{"metadata":{"name":"other"}}"#).code == 201)
            // Dropping the label takes cm out of the selection: the watch sees it as DELETED.
            _ = try await standIn.curl("PATCH", "/api/v1/namespaces/default/configmaps/cm", body: #"{"metadata":{"labels":{"w":null}}}"#, contentType: "application/merge-patch+json")
            let replay = try await standIn.curl("GET", "/api/v1/configmaps?watch=true&resourceVersion=\(start)&labelSelector=w%3Dyes&timeoutSeconds=1")
            #expect(Self.events(replay.text).map { "\($0.0) \($0.1)" } == ["ADDED cm", "DELETED cm"])
            // Without a resourceVersion the current state comes first, as ADDED.
            let state = try await standIn.curl("GET", "/api/v1/namespaces/default/configmaps?watch=1&fieldSelector=metadata.name%3Dother&timeoutSeconds=1")
            #expect(Self.events(state.text).map { "\($0.0) \($0.1)" } == ["ADDED other"])
        }
    }

    @Test func tooOldResourceVersionIsGone() async throws {
        var configuration = StandInConfiguration()
        configuration.watchHistoryLimit = 3
        try await StandInFixture.with(configuration) { standIn in
            for index in 0..<6 {
                #expect(try await standIn.curl("POST", "/api/v1/namespaces/default/configmaps", body: #"{"metadata":{"name":"c\#(index)"}}"#).code == 201)
            }
            let gone = try await standIn.curl("GET", "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=1&timeoutSeconds=1")
            #expect(gone.code == 410)
            #expect(gone.json?["reason"] == "Expired")
            #expect(gone.json?["message"]?.string?.hasPrefix("too old resource version: 1 (") == true)
            let current = try #require(standIn.object("/api/v1/namespaces/default/configmaps")?[path: ["metadata", "resourceVersion"]]?.string)
            #expect(try await standIn.curl("GET", "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=\(current)&timeoutSeconds=1").code == 200)
        }
    }
}
