/// `POST /api/v1/namespaces/NS/pods/NAME/eviction`.
extension APIServerCore {
    func evict(_ resource: ResourceRequest, body: JSON) throws(APIError) -> APIResponse {
        let name = resource.name ?? ""
        let namespace = resource.namespace ?? ""
        if let bodyName = body[path: ["metadata", "name"]]?.string, bodyName != name {
            throw APIError.badRequest("name in URL does not match name in Eviction object")
        }
        let podKey = ObjectKey(.pods, namespace: namespace, name: name)
        guard let pod = store.get(podKey) else { throw APIError.notFound(ResourceType.pods.subject(name)) }
        let (budgets, _) = store.list(.podDisruptionBudgets, namespace: namespace, labels: .everything, fields: nil)
        let (pods, _) = store.list(.pods, namespace: namespace, labels: .everything, fields: nil)
        switch EvictionDecision.decide(pod: pod, budgets: budgets, pods: pods) {
        case .multipleBudgets:
            throw APIError.internalError("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.")
        case .blocked(let budget, let desired, let current):
            throw APIError(
                code: 429, reason: "TooManyRequests", message: "Cannot evict pod as it would violate the pod's disruption budget.",
                details: [
                    "causes": [
                        [
                            "reason": "DisruptionBudget",
                            "message": .string("The disruption budget \(budget) needs \(desired) healthy pods and has \(current) currently"),
                        ]
                    ]
                ])
        case .allowed:
            _ = try delete(ResourceRequest(type: .pods, namespace: namespace, name: name), options: nil)
            return .json(201, ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "code": 201])
        }
    }
}
