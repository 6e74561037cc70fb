import Foundation
import Testing
@testable import KubeStandIn

@Suite struct SelectorTests {
    @Test(arguments: [
        ("app=web", ["app": "web"], true),
        ("app==web", ["app": "db"], false),
        ("app!=web", ["app": "db"], true),
        ("app!=web", [:], true),
        ("app", ["app": "x"], true),
        ("!app", ["app": "x"], false),
        ("app in (web, db),tier", ["app": "db", "tier": "1"], true),
        ("app notin (web,db)", ["app": "db"], false),
        ("app=web,tier=front", ["app": "web"], false),
    ] as [(String, [String: String], Bool)])
    func labelSelector(text: String, labels: [String: String], expected: Bool) throws {
        let selector = try #require(LabelSelector(parsing: text))
        #expect(selector.matches(labels) == expected)
    }

    @Test func malformedLabelSelector() {
        #expect(LabelSelector(parsing: "app in web") == nil)
        #expect(LabelSelector(parsing: "=web") == nil)
    }

    @Test func objectSelector() throws {
        let selector = try #require(LabelSelector(object: [
            "matchLabels": ["app": "web"],
            "matchExpressions": [["key": "tier", "operator": "In", "values": ["a", "b"]]],
        ]))
        #expect(selector.matches(["app": "web", "tier": "a"]))
        #expect(!selector.matches(["app": "web", "tier": "c"]))
        #expect(LabelSelector(object: nil) == nil)
        #expect(LabelSelector(object: [:])?.matches(["x": "y"]) == true)
    }

    @Test func fieldSelector() throws {
        let pod: JSON = ["metadata": ["name": "p", "namespace": "default"], "spec": ["nodeName": "w1"]]
        #expect(try #require(FieldSelector(parsing: "spec.nodeName=w1")).matches(pod))
        #expect(try #require(FieldSelector(parsing: "spec.nodeName!=w1,metadata.name=p")).matches(pod) == false)
        #expect(try #require(FieldSelector(parsing: "metadata.namespace==default")).matches(pod))
        #expect(FieldSelector(parsing: "spec.bogus=1") == nil)
    }
}

@Suite struct MergePatchTests {
    @Test func mergePatchReplacesMergesAndDeletes() {
        let target: JSON = ["spec": ["unschedulable": true, "taints": [["key": "a"]]], "metadata": ["labels": ["x": "1", "y": "2"]]]
        let patch: JSON = ["spec": ["unschedulable": nil, "taints": [["key": "b"]]], "metadata": ["labels": ["y": nil, "z": "3"]]]
        let result = MergePatch.apply(patch, to: target)
        #expect(result == ["spec": ["taints": [["key": "b"]]], "metadata": ["labels": ["x": "1", "z": "3"]]])
    }

    @Test func strategicPatchMergesConditionsByType() {
        let target: JSON = ["status": ["conditions": [["type": "Ready", "status": "False"], ["type": "DiskPressure", "status": "False"]]]]
        let patch: JSON = ["status": ["conditions": [["type": "Ready", "status": "True"], ["type": "PIDPressure", "status": "False"]]],
                           "$setElementOrder/conditions": [["type": "Ready"]]]
        let strategic = MergePatch.apply(patch, to: target, kind: .strategic)
        #expect(strategic == ["status": ["conditions": [
            ["type": "Ready", "status": "True"], ["type": "DiskPressure", "status": "False"], ["type": "PIDPressure", "status": "False"],
        ]]])
        // A plain merge patch replaces the list.
        let merged = MergePatch.apply(["status": ["conditions": [["type": "Ready", "status": "True"]]]], to: target, kind: .merge)
        #expect(merged[path: ["status", "conditions"]]?.array?.count == 1)
    }

    @Test func patchKindFromContentType() {
        #expect(PatchKind(contentType: "application/merge-patch+json") == .merge)
        #expect(PatchKind(contentType: "application/strategic-merge-patch+json; charset=utf-8") == .strategic)
        #expect(PatchKind(contentType: "application/json-patch+json") == nil)
    }
}

@Suite struct EvictionDecisionTests {
    static func pod(_ name: String, labels: [String: String] = ["app": "web"], ready: Bool = true, phase: String = "Running") -> JSON {
        ["metadata": ["name": .string(name), "labels": .stringMap(labels)],
         "status": ["phase": .string(phase), "conditions": [["type": "Ready", "status": ready ? "True" : "False"]]]]
    }

    static func budget(_ name: String, _ field: String, _ value: JSON) -> JSON {
        var budget: JSON = ["metadata": ["name": .string(name)], "spec": ["selector": ["matchLabels": ["app": "web"]]]]
        budget[path: ["spec", field]] = value
        return budget
    }

    @Test func minAvailableBlocksWhenItWouldGoBelow() {
        let pods = [Self.pod("a"), Self.pod("b")]
        #expect(EvictionDecision.decide(pod: pods[0], budgets: [Self.budget("pdb", "minAvailable", 2)], pods: pods)
            == .blocked(budget: "pdb", desiredHealthy: 2, currentHealthy: 2))
        #expect(EvictionDecision.decide(pod: pods[0], budgets: [Self.budget("pdb", "minAvailable", 1)], pods: pods) == .allowed)
    }

    @Test func percentagesRoundUp() {
        let pods = [Self.pod("a"), Self.pod("b"), Self.pod("c")]
        // 50% of 3 rounds up to 2 desired; 3 healthy - 1 = 2: allowed.
        #expect(EvictionDecision.decide(pod: pods[0], budgets: [Self.budget("pdb", "minAvailable", "50%")], pods: pods) == .allowed)
        #expect(EvictionDecision.decide(pod: pods[0], budgets: [Self.budget("pdb", "minAvailable", "67%")], pods: pods)
            == .blocked(budget: "pdb", desiredHealthy: 3, currentHealthy: 3))
        #expect(EvictionDecision.decide(pod: pods[0], budgets: [Self.budget("pdb", "maxUnavailable", 0)], pods: pods)
            == .blocked(budget: "pdb", desiredHealthy: 3, currentHealthy: 3))
        #expect(EvictionDecision.decide(pod: pods[0], budgets: [Self.budget("pdb", "maxUnavailable", "34%")], pods: pods) == .allowed)
    }

    @Test func unhealthyPendingAndUnselectedPods() {
        let pods = [Self.pod("a"), Self.pod("b", ready: false)]
        let budget = Self.budget("pdb", "minAvailable", 1)
        #expect(EvictionDecision.decide(pod: pods[1], budgets: [budget], pods: pods) == .allowed)
        #expect(EvictionDecision.decide(pod: pods[0], budgets: [budget], pods: pods) == .blocked(budget: "pdb", desiredHealthy: 1, currentHealthy: 1))
        #expect(EvictionDecision.decide(pod: Self.pod("p", phase: "Pending"), budgets: [budget], pods: pods) == .allowed)
        let other = Self.pod("o", labels: ["app": "db"])
        #expect(EvictionDecision.decide(pod: other, budgets: [budget], pods: pods + [other]) == .allowed)
        #expect(EvictionDecision.decide(pod: pods[0], budgets: [budget, Self.budget("second", "minAvailable", 0)], pods: pods) == .multipleBudgets)
    }
}

@Suite struct BootstrapTokenTests {
    static func secret(id: String = "abcdef", tokenSecret: String = "0123456789abcdef", expiration: String?, usages: [String] = ["authentication", "signing"]) -> JSON {
        var data: [String: String] = ["token-id": id, "token-secret": tokenSecret, "auth-extra-groups": "system:bootstrappers:extra"]
        if let expiration { data["expiration"] = expiration }
        for usage in usages { data["usage-bootstrap-\(usage)"] = "true" }
        return ["type": "bootstrap.kubernetes.io/token", "metadata": ["name": .string("bootstrap-token-\(id)")],
                "data": .stringMap(data.mapValues { Data($0.utf8).base64EncodedString() })]
    }

    @Test func tokenFormat() {
        #expect(BootstrapToken("abcdef.0123456789abcdef") != nil)
        #expect(BootstrapToken("ABCDEF.0123456789abcdef") == nil)
        #expect(BootstrapToken("abcdef.0123456789abcde") == nil)
        #expect(BootstrapToken("abcdef0123456789abcdef") == nil)
    }

    @Test func authenticationChecksSecretExpiryAndUsage() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let token = try #require(BootstrapToken("abcdef.0123456789abcdef"))
        let valid = try #require(BootstrapTokenSecret(Self.secret(expiration: "2023-11-15T00:00:00Z")))
        #expect(valid.authenticates(token, now: now))
        #expect(valid.extraGroups == ["system:bootstrappers:extra"])
        #expect(!valid.authenticates(try #require(BootstrapToken("abcdef.0123456789abcdeX".lowercased())), now: now))
        let expired = try #require(BootstrapTokenSecret(Self.secret(expiration: "2023-11-14T00:00:00Z")))
        #expect(!expired.authenticates(token, now: now))
        let signingOnly = try #require(BootstrapTokenSecret(Self.secret(expiration: nil, usages: ["signing"])))
        #expect(!signingOnly.authenticates(token, now: now))
        #expect(signingOnly.signingToken(now: now) == token)
    }

    @Test func malformedSecretsAreInvalid() {
        #expect(BootstrapTokenSecret.validationCauses(Self.secret(expiration: nil)).isEmpty)
        let causes = BootstrapTokenSecret.validationCauses(Self.secret(id: "ABC", tokenSecret: "short", expiration: "tomorrow"))
        #expect(causes.map(\.field) == ["data[token-id]", "data[token-secret]", "data[expiration]"])
    }

    @Test func authenticatorOrder() {
        let secret = Self.secret(expiration: nil)
        let authenticator = Authenticator(
            bearerTokens: ["static": StandInUser(name: "alice", groups: ["devs"])], k3sToken: "pw",
            bootstrapSecret: { $0 == "bootstrap-token-abcdef" ? secret : nil })
        #expect(authenticator.authenticate(certificate: nil, authorization: nil) == .user(.anonymous))
        #expect(authenticator.authenticate(certificate: nil, authorization: "Bearer static") == .user(StandInUser(name: "alice", groups: ["devs", "system:authenticated"])))
        #expect(authenticator.authenticate(certificate: nil, authorization: "Bearer abcdef.0123456789abcdef")
            == .user(StandInUser(name: "system:bootstrap:abcdef", groups: ["system:bootstrappers", "system:bootstrappers:extra", "system:authenticated"])))
        #expect(authenticator.authenticate(certificate: nil, authorization: "Bearer abcdef.0123456789abcdee") == .unauthorized)
        #expect(authenticator.authenticate(certificate: nil, authorization: "Basic " + Data("node:pw".utf8).base64EncodedString())
            == .user(StandInUser(name: "system:node:k3s-agent", groups: ["system:nodes", "system:authenticated"])))
        #expect(authenticator.authenticate(certificate: nil, authorization: "Basic " + Data("node:nope".utf8).base64EncodedString()) == .unauthorized)
        let certificate = CertificateIdentity(commonName: "kubernetes-admin", organizations: ["system:masters"])
        #expect(authenticator.authenticate(certificate: certificate, authorization: "Bearer bogus")
            == .user(StandInUser(name: "kubernetes-admin", groups: ["system:masters", "system:authenticated"])))
    }
}

@Suite struct RouteTests {
    @Test func routes() {
        #expect(Route.parse("/api/v1/nodes/w1/status") == .resource(ResourceRequest(type: .nodes, name: "w1", subresource: "status")))
        #expect(Route.parse("/api/v1/namespaces/default/pods/p/eviction")
            == .resource(ResourceRequest(type: .pods, namespace: "default", name: "p", subresource: "eviction")))
        #expect(Route.parse("/api/v1/namespaces/kube-system") == .resource(ResourceRequest(type: .namespaces, name: "kube-system")))
        #expect(Route.parse("/api/v1/pods") == .resource(ResourceRequest(type: .pods)))
        #expect(Route.parse("/apis/policy/v1/namespaces/d/poddisruptionbudgets")
            == .resource(ResourceRequest(type: .podDisruptionBudgets, namespace: "d")))
        #expect(Route.parse("/api/v1") == .nonResource("/api/v1"))
        #expect(Route.parse("/api/v1/widgets") == .nonResource("/api/v1/widgets"))
        #expect(Route.parse("/api/v1/nodes/w1/bogus") == .nonResource("/api/v1/nodes/w1/bogus"))
    }
}
