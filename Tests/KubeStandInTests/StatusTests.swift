import Foundation
import Testing
@testable import KubeStandIn

/// Exact status codes and Status bodies, checked with curl.
@Suite(.timeLimit(.minutes(3))) struct StatusTests {
    static let node = #"{"apiVersion":"v1","kind":"Node","metadata":{"name":"w1"}}"#

    @Test func notFoundAlreadyExistsConflictInvalid() async throws {
        try await StandInFixture.with { standIn in
            let missing = try await standIn.curl("GET", "/api/v1/nodes/w1")
            #expect(missing.code == 404)
            #expect(missing.json?["message"] == "nodes \"w1\" not found")
            #expect(missing.json?["reason"] == "NotFound")
            #expect(missing.json?["kind"] == "Status")
            #expect(missing.json?[path: ["details", "kind"]] == "nodes")

            let created = try await standIn.curl("POST", "/api/v1/nodes", body: Self.node)
            #expect(created.code == 201)
            let version = try #require(created.json?[path: ["metadata", "resourceVersion"]]?.string)
            #expect(created.json?[path: ["metadata", "uid"]]?.string?.count == 36)

            let again = try await standIn.curl("POST", "/api/v1/nodes", body: Self.node)
            #expect(again.code == 409)
            #expect(again.json?["reason"] == "AlreadyExists")
            #expect(again.json?["message"] == "nodes \"w1\" already exists")

            let labelled = try await standIn.curl(
                "PATCH", "/api/v1/nodes/w1", body: #"{"metadata":{"labels":{"role":"worker"}}}"#, contentType: "application/merge-patch+json")
            #expect(labelled.code == 200)
            #expect(labelled.json?[path: ["metadata", "labels", "role"]] == "worker")
            #expect(labelled.json?[path: ["metadata", "resourceVersion"]]?.string != version)

            let stale = #"{"apiVersion":"v1","kind":"Node","metadata":{"name":"w1","resourceVersion":"\#(version)"}}"#
            let conflict = try await standIn.curl("PUT", "/api/v1/nodes/w1", body: stale)
            #expect(conflict.code == 409)
            #expect(conflict.json?["reason"] == "Conflict")
            #expect(conflict.json?["message"]
                == "Operation cannot be fulfilled on nodes \"w1\": the object has been modified; please apply your changes to the latest version and try again")

            let badName = try await standIn.curl(
                "POST", "/api/v1/namespaces/default/pods", body: #"{"metadata":{"name":"Bad_Name"},"spec":{"containers":[{"name":"c","image":"i"}]}}"#)
            #expect(badName.code == 422)
            #expect(badName.json?["reason"] == "Invalid")
            #expect(badName.json?["message"]?.string?.hasPrefix("Pod \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain") == true)
            #expect(badName.json?[path: ["details", "causes"]]?.array?.first?["field"] == "metadata.name")

            let noContainers = try await standIn.curl("POST", "/api/v1/namespaces/default/pods", body: #"{"metadata":{"name":"p"},"spec":{}}"#)
            #expect(noContainers.code == 422)
            #expect(noContainers.json?["message"] == "Pod \"p\" is invalid: spec.containers: Required value")

            let noNamespace = try await standIn.curl("POST", "/api/v1/namespaces/nowhere/configmaps", body: #"{"metadata":{"name":"c"}}"#)
            #expect(noNamespace.code == 404)
            #expect(noNamespace.json?["message"] == "namespaces \"nowhere\" not found")
        }
    }

    @Test func authenticationAndAuthorization() async throws {
        var configuration = StandInConfiguration()
        configuration.bearerTokens = ["viewer-token": StandInUser(name: "viewer", groups: [])]
        try await StandInFixture.with(configuration) { standIn in
            let anonymous = try await standIn.curl("GET", "/api/v1/nodes", as: .anonymous)
            #expect(anonymous.code == 403)
            #expect(anonymous.json?["message"]
                == "nodes is forbidden: User \"system:anonymous\" cannot list resource \"nodes\" in API group \"\" at the cluster scope")
            #expect(try await standIn.curl("GET", "/version", as: .anonymous).code == 200)
            #expect(try await standIn.curl("GET", "/api/v1/namespaces/kube-public/configmaps/cluster-info", as: .anonymous).code == 200)

            let bogus = try await standIn.curl("GET", "/api/v1/nodes", as: .bearer("no-such-token"))
            #expect(bogus.code == 401)
            #expect(bogus.json?["message"] == "Unauthorized")
            #expect(bogus.json?["reason"] == "Unauthorized")

            let viewer = try await standIn.curl("GET", "/api/v1/namespaces/default/secrets/s", as: .bearer("viewer-token"))
            #expect(viewer.code == 403)
            #expect(viewer.json?["message"]
                == "secrets \"s\" is forbidden: User \"viewer\" cannot get resource \"secrets\" in API group \"\" in the namespace \"default\"")

            // Bootstrap tokens: valid until the expiration, then 401; never allowed to read nodes.
            let valid = bootstrapTokenSecret(id: "abcdef", secret: "0123456789abcdef", expiration: Date().addingTimeInterval(3600))
            #expect(try await standIn.curl("POST", "/api/v1/namespaces/kube-system/secrets", body: valid).code == 201)
            let expired = bootstrapTokenSecret(id: "oldtok", secret: "0123456789abcdef", expiration: Date().addingTimeInterval(-60))
            #expect(try await standIn.curl("POST", "/api/v1/namespaces/kube-system/secrets", body: expired).code == 201)

            let bootstrapNodes = try await standIn.curl("GET", "/api/v1/nodes", as: .bearer("abcdef.0123456789abcdef"))
            #expect(bootstrapNodes.code == 403)
            #expect(bootstrapNodes.json?["message"]
                == "nodes is forbidden: User \"system:bootstrap:abcdef\" cannot list resource \"nodes\" in API group \"\" at the cluster scope")
            #expect(try await standIn.curl("GET", "/apis/certificates.k8s.io/v1/certificatesigningrequests", as: .bearer("abcdef.0123456789abcdef")).code == 200)
            let expiredToken = try await standIn.curl("GET", "/apis/certificates.k8s.io/v1/certificatesigningrequests", as: .bearer("oldtok.0123456789abcdef"))
            #expect(expiredToken.code == 401)
            #expect(try await standIn.curl("GET", "/apis/certificates.k8s.io/v1/certificatesigningrequests", as: .bearer("abcdef.0123456789abcdee")).code == 401)

            let malformed = bootstrapTokenSecret(id: "ABCDEF", secret: "0123456789abcdef", expiration: Date().addingTimeInterval(3600))
            let invalid = try await standIn.curl("POST", "/api/v1/namespaces/kube-system/secrets", body: malformed)
            #expect(invalid.code == 422)
            #expect(invalid.json?["message"]?.string?.contains("data[token-id]: Invalid value: \"ABCDEF\"") == true)
        }
    }

    @Test func evictionStatusBodies() async throws {
        try await StandInFixture.with { standIn in
            for name in ["a", "b"] {
                let pod = #"{"metadata":{"name":"\#(name)","labels":{"app":"web"}},"spec":{"nodeName":"w1","containers":[{"name":"c","image":"i"}]}}"#
                #expect(try await standIn.curl("POST", "/api/v1/namespaces/default/pods", body: pod).code == 201)
            }
            let budget = #"{"metadata":{"name":"web"},"spec":{"minAvailable":2,"selector":{"matchLabels":{"app":"web"}}}}"#
            #expect(try await standIn.curl("POST", "/apis/policy/v1/namespaces/default/poddisruptionbudgets", body: budget).code == 201)
            let eviction = #"{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"a","namespace":"default"}}"#
            let blocked = try await standIn.curl("POST", "/api/v1/namespaces/default/pods/a/eviction", body: eviction)
            #expect(blocked.code == 429)
            #expect(blocked.json?["reason"] == "TooManyRequests")
            #expect(blocked.json?["message"] == "Cannot evict pod as it would violate the pod's disruption budget.")
            #expect(blocked.json?[path: ["details", "causes"]] == [
                ["reason": "DisruptionBudget", "message": "The disruption budget web needs 2 healthy pods and has 2 currently"],
            ])

            let second = #"{"metadata":{"name":"web-too"},"spec":{"maxUnavailable":1,"selector":{"matchLabels":{"app":"web"}}}}"#
            #expect(try await standIn.curl("POST", "/apis/policy/v1/namespaces/default/poddisruptionbudgets", body: second).code == 201)
            let twoBudgets = try await standIn.curl("POST", "/api/v1/namespaces/default/pods/a/eviction", body: eviction)
            #expect(twoBudgets.code == 500)
            #expect(twoBudgets.json?["message"]?.string?.contains("more than one PodDisruptionBudget") == true)

            #expect(try await standIn.curl("DELETE", "/apis/policy/v1/namespaces/default/poddisruptionbudgets/web-too").code == 200)
            #expect(try await standIn.curl("DELETE", "/apis/policy/v1/namespaces/default/poddisruptionbudgets/web").code == 200)
            let allowed = try await standIn.curl("POST", "/api/v1/namespaces/default/pods/a/eviction", body: eviction)
            #expect(allowed.code == 201)
            #expect(allowed.json?["status"] == "Success")
            #expect(standIn.object("/api/v1/namespaces/default/pods/a") == nil)
            let gone = try await standIn.curl("POST", "/api/v1/namespaces/default/pods/a/eviction", body: eviction)
            #expect(gone.code == 404)
            #expect(gone.json?["message"] == "pods \"a\" not found")
        }
    }

    @Test func statusSubresourceAndStrategicPatch() async throws {
        try await StandInFixture.with { standIn in
            #expect(try await standIn.curl("POST", "/api/v1/nodes", body: Self.node).code == 201)
            let ready = #"{"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"DiskPressure","status":"False"}],"capacity":{"cpu":"2"}}}"#
            let patched = try await standIn.curl("PATCH", "/api/v1/nodes/w1/status", body: ready, contentType: "application/strategic-merge-patch+json")
            #expect(patched.code == 200)
            let notReady = #"{"status":{"conditions":[{"type":"Ready","status":"False"}]}}"#
            _ = try await standIn.curl("PATCH", "/api/v1/nodes/w1/status", body: notReady, contentType: "application/strategic-merge-patch+json")
            let node = try #require(standIn.object("/api/v1/nodes/w1"))
            #expect(node[path: ["status", "conditions"]] == [["type": "Ready", "status": "False"], ["type": "DiskPressure", "status": "False"]])
            // The main resource does not write status; the status subresource does not write spec.
            _ = try await standIn.curl("PATCH", "/api/v1/nodes/w1", body: #"{"status":{"capacity":{"cpu":"64"}}}"#, contentType: "application/merge-patch+json")
            _ = try await standIn.curl("PATCH", "/api/v1/nodes/w1/status", body: #"{"spec":{"unschedulable":true}}"#, contentType: "application/merge-patch+json")
            let after = try #require(standIn.object("/api/v1/nodes/w1"))
            #expect(after[path: ["status", "capacity", "cpu"]] == "2")
            #expect(after[path: ["spec", "unschedulable"]] == nil)
            let unsupported = try await standIn.curl("PATCH", "/api/v1/nodes/w1", body: "[]", contentType: "application/json-patch+json")
            #expect(unsupported.code == 415)
        }
    }
}
