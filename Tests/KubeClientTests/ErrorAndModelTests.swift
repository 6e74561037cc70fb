import Foundation
import Testing

@testable import KubeClient

struct ErrorAndModelTests {
    static let notFound = #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"nodes \"w1\" not found","reason":"NotFound","details":{"name":"w1","kind":"nodes"},"code":404}"#

    static let evictionBlocked = #"""
        {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
         "message":"Cannot evict pod as it would violate the pod's disruption budget.","reason":"TooManyRequests",
         "details":{"causes":[{"reason":"DisruptionBudget","message":"The disruption budget web-pdb needs 2 healthy pods and has 2 currently"}]},
         "code":429,"extra":{"ignored":true}}
        """#

    @Test func statusBodyBecomesAKubectlLikeError() {
        let error = KubeError.fromResponse(httpStatus: 404, body: Array(Self.notFound.utf8), context: "GET /api/v1/nodes/w1 on https://127.0.0.1:6443")
        #expect(error.code == .notFound)
        #expect(error.httpStatus == 404)
        #expect(error.status?.details?.name == "w1")
        #expect(error.description == #"Error from server (NotFound): nodes "w1" not found (GET /api/v1/nodes/w1 on https://127.0.0.1:6443)"#)
    }

    @Test func statusCausesAreKeptAndShown() throws {
        let error = KubeError.fromResponse(httpStatus: 429, body: Array(Self.evictionBlocked.utf8), context: "POST x")
        #expect(error.code == .tooManyRequests)
        let cause = try #require(error.status?.details?.causes?.first)
        #expect(cause.reason == "DisruptionBudget")
        #expect(
            error.description
                == "Error from server (TooManyRequests): Cannot evict pod as it would violate the pod's disruption budget.: "
                + "The disruption budget web-pdb needs 2 healthy pods and has 2 currently (POST x)")
    }

    @Test(arguments: [
        (400, "BadRequest", KubeError.Code.badRequest), (401, "Unauthorized", .unauthorized), (403, "Forbidden", .forbidden),
        (404, "NotFound", .notFound), (409, "AlreadyExists", .alreadyExists), (409, "Conflict", .conflict), (410, "Expired", .gone),
        (422, "Invalid", .invalid), (429, "TooManyRequests", .tooManyRequests), (500, "InternalError", .server),
        (503, "ServiceUnavailable", .server), (504, "Timeout", .timeout),
    ])
    func httpStatusMapsToCode(status: Int, reason: String, code: KubeError.Code) {
        let body = #"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"m","reason":"\#(reason)","code":\#(status)}"#
        let error = KubeError.fromResponse(httpStatus: status, body: Array(body.utf8), context: "c")
        #expect(error.code == code)
        #expect(error.status?.reason == reason)
        #expect(error.description == "Error from server (\(reason)): m (c)")
    }

    @Test func nonStatusBodyIsShownRaw() {
        let error = KubeError.fromResponse(httpStatus: 502, body: Array("<html>bad gateway</html>\n".utf8), context: "GET /x on s")
        #expect(error.code == .server)
        #expect(error.status == nil)
        #expect(error.description == "Error from server (HTTP 502): <html>bad gateway</html> (GET /x on s)")
        let empty = KubeError.fromResponse(httpStatus: 500, body: [], context: "c")
        #expect(empty.message == "the server answered HTTP 500 without a body")
    }

    @Test func clientSideErrorsReadAsContextAndMessage() {
        let error = KubeError(code: .transport, message: "cannot connect to https://127.0.0.1:1: connection refused", context: "GET /version on https://127.0.0.1:1")
        #expect(error.description == "GET /version on https://127.0.0.1:1: cannot connect to https://127.0.0.1:1: connection refused")
    }

    @Test func nodeDecodingIgnoresUnknownFieldsAndReadsCapacity() throws {
        let json = #"""
            {"kind":"Node","apiVersion":"v1",
             "metadata":{"name":"w1","uid":"u-1","resourceVersion":"42","labels":{"a":"b"},"creationTimestamp":"2025-01-01T00:00:00Z","managedFields":[{"x":1}]},
             "spec":{"unschedulable":true,"taints":[{"key":"k","value":"v","effect":"NoSchedule"}],"podCIDR":"10.244.0.0/24"},
             "status":{"capacity":{"cpu":"4","memory":"8123456Ki","pods":"110","ephemeral-storage":"20Gi"},
                       "allocatable":{"cpu":"3500m","memory":"7Gi"},
                       "conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True","reason":"KubeletReady","message":"kubelet is posting ready status","lastHeartbeatTime":"2025-01-01T00:00:10Z"}],
                       "addresses":[{"type":"InternalIP","address":"10.0.2.15"},{"type":"Hostname","address":"w1"}],
                       "nodeInfo":{"kubeletVersion":"v1.32.0","osImage":"Debian GNU/Linux 12 (bookworm)","kernelVersion":"6.1.0","machineID":"abc","bootID":"z"},
                       "images":[]}}
            """#
        let node = try JSONDecoder().decode(Node.self, from: Data(json.utf8))
        #expect(node.name == "w1")
        #expect(node.isReady)
        #expect(node.isUnschedulable)
        #expect(node.cpuCapacityMilli == 4000)
        #expect(node.cpuCapacityCores == 4)
        #expect(node.memoryCapacityBytes == 8_318_418_944)
        #expect(node.cpuAllocatableMilli == 3500)
        #expect(node.memoryAllocatableBytes == 7 << 30)
        #expect(node.address("InternalIP") == "10.0.2.15")
        #expect(node.spec?.taints == [Taint(key: "k", value: "v", effect: "NoSchedule")])
        #expect(node.status?.nodeInfo?.kubeletVersion == "v1.32.0")

        var notReady = node
        notReady.status?.conditions = [NodeCondition(type: "Ready", status: "Unknown")]
        #expect(!notReady.isReady)
        notReady.status = nil
        #expect(!notReady.isReady)
        #expect(notReady.cpuCapacityMilli == nil)
    }

    @Test func podListDecodesNullItemsAndOwners() throws {
        let empty = try JSONDecoder().decode(PodList.self, from: Data(#"{"kind":"PodList","metadata":{"resourceVersion":"7"},"items":null}"#.utf8))
        #expect(empty.items.isEmpty && empty.metadata?.resourceVersion == "7")
        let json = #"""
            {"items":[{"metadata":{"name":"ds-1","namespace":"kube-system","ownerReferences":[{"apiVersion":"apps/v1","kind":"DaemonSet","name":"ds","uid":"1","controller":true}]},
                       "spec":{"nodeName":"w1","containers":[{"name":"c","image":"busybox"}],"volumes":[{"name":"scratch","emptyDir":{}},{"name":"cfg","configMap":{"name":"x"}}]},
                       "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}},
                      {"metadata":{"name":"static","annotations":{"kubernetes.io/config.mirror":"abc"}},"spec":{}}]}
            """#
        let list = try JSONDecoder().decode(PodList.self, from: Data(json.utf8))
        #expect(list.items[0].controller?.kind == "DaemonSet")
        #expect(list.items[0].hasEmptyDir)
        #expect(list.items[0].spec?.volumes?[1].emptyDir == nil)
        #expect(list.items[1].isMirrorPod)
        #expect(list.items[1].namespace == "default")
        #expect(list.items[1].spec?.containers == [])
    }

    @Test func secretEncodesStringsAsBase64() throws {
        let secret = Secret(metadata: ObjectMeta(name: "bootstrap-token-abcdef", namespace: "kube-system"), type: "bootstrap.kubernetes.io/token",
                            strings: ["token-id": "abcdef", "usage-bootstrap-authentication": "true"])
        #expect(secret.data?["token-id"] == "YWJjZGVm")
        #expect(secret.string("usage-bootstrap-authentication") == "true")
        let json = try JSONValue(encoding: secret)
        #expect(json["kind"] == "Secret")
        #expect(json["metadata"]?["namespace"] == "kube-system")
        #expect(json["stringData"] == nil)
    }

    @Test func jsonValueRoundTripsAndKeepsIntegers() throws {
        let text = #"{"a":[1,2.5,"x",true,null],"b":{"c":9007199254740993}}"#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(value["a"]?[0] == .int(1))
        #expect(value["a"]?[1] == .double(2.5))
        #expect(value["a"]?[4]?.isNull == true)
        #expect(value["b"]?["c"]?.intValue == 9_007_199_254_740_993)
        #expect(String(decoding: try value.jsonData(), as: UTF8.self) == text)
        let patch: JSONValue = ["metadata": ["labels": ["a": "b", "gone": nil]]]
        #expect(String(decoding: try patch.jsonData(), as: UTF8.self) == #"{"metadata":{"labels":{"a":"b","gone":null}}}"#)
    }

    @Test func queryEscapingKeepsSelectorsIntact() {
        #expect(QueryString.encode([("labelSelector", "a=b,c!=d,!e"), ("fieldSelector", "spec.nodeName=w 1")])
            == "?labelSelector=a%3Db%2Cc%21%3Dd%2C%21e&fieldSelector=spec.nodeName%3Dw%201")
        #expect(QueryString.encode([]) == "")
        #expect(Path.segment("a/b") == "a%2Fb")
    }

    @Test func endpointUsesTLSServerNameWithTheRealHostBehindIt() throws {
        let access = ClusterAccess(server: "https://127.0.0.1:6443/prefix/", caCertificatePEM: nil, tlsServerName: "kubernetes", credentials: .basic(user: "u", password: "p"))
        let endpoint = try Endpoint(access: access)
        #expect(endpoint.baseURL == "https://kubernetes:6443/prefix")
        #expect(endpoint.dnsOverride == ["kubernetes": "127.0.0.1"])
        #expect(endpoint.hostHeader == "127.0.0.1:6443")
        #expect(endpoint.authorization == "Basic dTpw")
        let plain = try Endpoint(access: ClusterAccess(server: "https://example.com", caCertificatePEM: nil, credentials: .bearerToken("t")))
        #expect(plain.baseURL == "https://example.com:443")
        #expect(plain.dnsOverride.isEmpty && plain.hostHeader == nil)
        #expect(plain.authorization == "Bearer t")
    }

    @Test func backoffGrowsToFiveSeconds() {
        var backoff = Backoff()
        #expect((0..<6).map { _ in backoff.next() } == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5)])
        backoff.reset()
        #expect(backoff.next() == .milliseconds(500))
    }
}
