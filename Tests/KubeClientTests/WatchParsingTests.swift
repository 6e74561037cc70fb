import Foundation
import Testing

@testable import KubeClient

struct WatchParsingTests {
    @Test func splitsLinesAcrossChunks() {
        var splitter = LineSplitter()
        #expect(splitter.append(Array("{\"a\":1}\n{\"b\"".utf8)) == [Array("{\"a\":1}".utf8)])
        #expect(splitter.append(Array(":2}\r\n\n".utf8)) == [Array("{\"b\":2}".utf8)])
        #expect(splitter.append(Array("{\"c\":3}".utf8)) == [])
        #expect(splitter.finish() == Array("{\"c\":3}".utf8))
        #expect(splitter.finish() == nil)
    }

    @Test func byteByByteGivesTheSameLines() {
        let text = "one\ntwo\r\nthree\n"
        var splitter = LineSplitter()
        var lines: [String] = []
        for byte in text.utf8 {
            lines += splitter.append([byte]).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(lines == ["one", "two", "three"])
        #expect(splitter.finish() == nil)
    }

    @Test func decodesEventsOfEachType() throws {
        for type in ["ADDED", "MODIFIED", "DELETED"] {
            let line = #"{"type":"\#(type)","object":{"kind":"Node","metadata":{"name":"w1","resourceVersion":"5"},"status":{"capacity":{"cpu":"2"}}}}"#
            let event = try WatchDecoding.event(Node.self, line: Array(line.utf8), context: "watch")
            #expect(event.type.rawValue == type)
            #expect(event.object.name == "w1")
            #expect(event.object.cpuCapacityMilli == 2000)
        }
    }

    @Test func errorEventWith410IsGone() {
        let line = #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}"#
        do {
            _ = try WatchDecoding.event(Node.self, line: Array(line.utf8), context: "GET /api/v1/nodes?watch=1 on s")
            Issue.record("no error")
        } catch {
            #expect(error.code == .gone)
            #expect(error.httpStatus == 410)
            #expect(error.description == "Error from server (Expired): too old resource version: 1 (5) (GET /api/v1/nodes?watch=1 on s)")
        }
    }

    @Test func errorEventWithOtherCodeKeepsIt() {
        let line = #"{"type":"ERROR","object":{"kind":"Status","status":"Failure","message":"boom","reason":"InternalError","code":500}}"#
        #expect(throws: KubeError.self) { try WatchDecoding.event(Node.self, line: Array(line.utf8), context: "c") }
        do { _ = try WatchDecoding.event(Node.self, line: Array(line.utf8), context: "c") } catch { #expect(error.code == .server) }
    }

    @Test func garbageLineIsADecodingError() {
        for line in ["not json", #"{"type":"SURPRISE","object":{}}"#, #"{"type":"ADDED","object":{"metadata":"x"}}"#] {
            do {
                _ = try WatchDecoding.event(Node.self, line: Array(line.utf8), context: "c")
                Issue.record("decoded \(line)")
            } catch {
                #expect(error.code == .decoding, "\(error)")
            }
        }
    }

    @Test func observationSummarySaysWhatWasSeenLast() {
        let observation = NodeObservation(name: "w1")
        #expect(observation.summary() == #"node "w1" was never seen"#)
        var node = Node(metadata: ObjectMeta(name: "w1"))
        node.metadata.resourceVersion = "9"
        node.status = NodeStatus(capacity: ["cpu": "2"], conditions: [NodeCondition(type: "Ready", status: "False", reason: "KubeletNotReady", message: "PLEG is not healthy")])
        observation.saw(node)
        observation.failed(KubeError(code: .transport, message: "reset", context: "GET x"))
        #expect(observation.summary() == "last seen: Ready=False (KubeletNotReady: PLEG is not healthy), cpu 2, resourceVersion 9; last error: GET x: reset")
        observation.saw(nil)
        #expect(observation.summary() == "it was seen, then deleted")
    }
}
