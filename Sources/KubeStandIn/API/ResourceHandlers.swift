import Foundation

/// get, list, watch, create, update, patch and delete on stored objects.
extension APIServerCore {
    func key(_ resource: ResourceRequest) throws(APIError) -> ObjectKey {
        guard let name = resource.name else { throw APIError.methodNotAllowed() }
        return ObjectKey(resource.type, namespace: resource.namespace, name: name)
    }

    func get(_ resource: ResourceRequest) throws(APIError) -> JSON {
        if resource.type == .configMaps, resource.namespace == ClusterInfoPublisher.namespace, resource.name == ClusterInfoPublisher.name {
            clusterInfo.refresh()
        }
        guard let object = store.get(try key(resource)) else { throw APIError.notFound(resource.type.subject(resource.name)) }
        return decorate(object, type: resource.type)
    }

    func list(_ resource: ResourceRequest, query: Query) throws(APIError) -> APIResponse {
        let (labels, fields) = try selectors(query)
        let (items, version) = store.list(resource.type, namespace: resource.namespace, labels: labels, fields: fields)
        return .json(200, [
            "kind": .string(resource.type.listKind), "apiVersion": .string(resource.type.apiVersion),
            "metadata": ["resourceVersion": .string(String(version))],
            "items": .array(items.map { decorate($0, type: resource.type) }),
        ])
    }

    func watchRequest(_ resource: ResourceRequest, query: Query) throws(APIError) -> WatchRequest {
        let (labels, fields) = try selectors(query)
        var since: Int? = nil
        if let text = query["resourceVersion"], !text.isEmpty, text != "0" {
            guard let version = Int(text) else { throw APIError.badRequest("invalid resource version \"\(text)\"") }
            since = version
        }
        return WatchRequest(
            type: resource.type, namespace: resource.namespace, labels: labels, fields: fields, since: since,
            timeoutSeconds: query["timeoutSeconds"].flatMap { Int($0) })
    }

    func selectors(_ query: Query) throws(APIError) -> (LabelSelector, FieldSelector?) {
        var labels = LabelSelector.everything
        if let text = query["labelSelector"] {
            guard let parsed = LabelSelector(parsing: text) else { throw APIError.badRequest("unable to parse requirement: invalid label selector \"\(text)\"") }
            labels = parsed
        }
        var fields: FieldSelector? = nil
        if let text = query["fieldSelector"], !text.isEmpty {
            guard let parsed = FieldSelector(parsing: text) else { throw APIError.badRequest("field label not supported: \(text)") }
            fields = parsed
        }
        return (labels, fields)
    }

    func create(_ resource: ResourceRequest, body: JSON, user: StandInUser) throws(APIError) -> JSON {
        let type = resource.type
        var object = body
        if type.namespaced {
            let bodyNamespace = object[path: ["metadata", "namespace"]]?.string
            if let bodyNamespace, !bodyNamespace.isEmpty, bodyNamespace != resource.namespace {
                throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            guard let namespace = resource.namespace else { throw APIError.methodNotAllowed() }
            guard store.get(ObjectKey(.namespaces, namespace: nil, name: namespace)) != nil else {
                throw APIError.notFound(ResourceType.namespaces.subject(namespace))
            }
        }
        if (object[path: ["metadata", "name"]]?.string ?? "").isEmpty, let prefix = object[path: ["metadata", "generateName"]]?.string, !prefix.isEmpty {
            object[path: ["metadata", "name"]] = .string(prefix + Defaults.randomSuffix())
        }
        let name = object[path: ["metadata", "name"]]?.string ?? ""
        let causes = Validation.causes(Defaults.normalizeSecretIfNeeded(object, type: type), type: type)
        guard causes.isEmpty else { throw APIError.invalid(type.subject(name), causes: causes) }
        let created = try store.create(ObjectKey(type, namespace: resource.namespace, name: name), subject: type.subject(name)) { version in
            Defaults.prepareCreate(object, type: type, namespace: resource.namespace, resourceVersion: version, user: user)
        }
        afterWrite(type, namespace: resource.namespace, name: name)
        return decorate(created, type: type)
    }

    func update(_ resource: ResourceRequest, body: JSON, user: StandInUser) throws(APIError) -> JSON {
        let type = resource.type
        let name = resource.name ?? ""
        if let bodyName = body[path: ["metadata", "name"]]?.string, bodyName != name {
            throw APIError.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        let updated = try store.update(try key(resource), subject: type.subject(name)) { (current, version) throws(APIError) -> JSON in
            if let expected = body[path: ["metadata", "resourceVersion"]]?.string, !expected.isEmpty,
                expected != current[path: ["metadata", "resourceVersion"]]?.string
            {
                throw APIError.conflict(type.subject(name))
            }
            return try self.finishWrite(current: current, proposed: body, resource: resource, version: version)
        }
        afterWrite(type, namespace: resource.namespace, name: name)
        return decorate(updated, type: type)
    }

    func patch(_ resource: ResourceRequest, patch: JSON, kind: PatchKind, user: StandInUser) throws(APIError) -> JSON {
        let type = resource.type
        let name = resource.name ?? ""
        let updated = try store.update(try key(resource), subject: type.subject(name)) { (current, version) throws(APIError) -> JSON in
            if let expected = patch[path: ["metadata", "resourceVersion"]]?.string,
                expected != current[path: ["metadata", "resourceVersion"]]?.string
            {
                throw APIError.conflict(type.subject(name))
            }
            let proposed = MergePatch.apply(patch, to: current, kind: kind)
            return try self.finishWrite(current: current, proposed: proposed, resource: resource, version: version)
        }
        afterWrite(type, namespace: resource.namespace, name: name)
        return decorate(updated, type: type)
    }

    /// Keeps what clients cannot change (identity, and status or spec depending on the subresource),
    /// validates, and stamps the new resourceVersion. Returns `current` when nothing changed.
    private func finishWrite(current: JSON, proposed: JSON, resource: ResourceRequest, version: Int) throws(APIError) -> JSON {
        let type = resource.type
        var next: JSON
        switch resource.subresource {
        case "status":
            next = current
            next["status"] = proposed["status"]
        case "approval":
            next = current
            next[path: ["status", "conditions"]] = proposed[path: ["status", "conditions"]]
        default:
            next = proposed
            if type.hasStatusSubresource { next["status"] = current["status"] }
            if type == .secrets { next = Defaults.normalizeSecret(next) }
        }
        for field in ["name", "namespace", "uid", "creationTimestamp", "deletionTimestamp"] {
            next[path: ["metadata", field]] = current[path: ["metadata", field]]
        }
        next["kind"] = current["kind"]
        next["apiVersion"] = current["apiVersion"]
        next[path: ["metadata", "resourceVersion"]] = current[path: ["metadata", "resourceVersion"]]
        if next == current { return current }
        let causes = Validation.causes(next, type: type)
        guard causes.isEmpty else { throw APIError.invalid(type.subject(resource.name), causes: causes) }
        next[path: ["metadata", "resourceVersion"]] = .string(String(version))
        return next
    }

    func delete(_ resource: ResourceRequest, options: JSON?) throws(APIError) -> JSON {
        let type = resource.type
        let name = resource.name ?? ""
        let deleted = try store.delete(try key(resource), subject: type.subject(name)) { (current) throws(APIError) in
            let preconditions = options?["preconditions"]
            if let uid = preconditions?["uid"]?.string, uid != current[path: ["metadata", "uid"]]?.string {
                throw APIError(
                    code: 409, reason: "Conflict",
                    message: "Operation cannot be fulfilled on \(type.subject(name).qualifiedResource) \"\(name)\": Precondition failed: UID in precondition: \(uid), UID in object meta: \(current[path: ["metadata", "uid"]]?.string ?? "")",
                    details: type.subject(name).details)
            }
            if let expected = preconditions?["resourceVersion"]?.string, expected != current[path: ["metadata", "resourceVersion"]]?.string {
                throw APIError.conflict(type.subject(name))
            }
        }
        afterWrite(type, namespace: resource.namespace, name: name)
        return deleted
    }

    /// What controllers would do next: republish cluster-info after a bootstrap token change,
    /// approve and sign kubelet CSRs.
    func afterWrite(_ type: ResourceType, namespace: String?, name: String) {
        if type == .secrets, namespace == BootstrapToken.secretNamespace {
            clusterInfo.refresh()
        } else if type == .certificateSigningRequests {
            signer.process(name: name)
        }
    }

    /// Read-time fields: a PodDisruptionBudget's status as the disruption controller would publish it.
    func decorate(_ object: JSON, type: ResourceType) -> JSON {
        guard type == .podDisruptionBudgets else { return object }
        let namespace = object[path: ["metadata", "namespace"]]?.string
        let (pods, _) = store.list(.pods, namespace: namespace, labels: .everything, fields: nil)
        var object = object
        var status = BudgetStatus(budget: object, pods: pods).json
        status["observedGeneration"] = object[path: ["metadata", "generation"]] ?? 1
        object["status"] = status
        return object
    }
}

extension Defaults {
    static func normalizeSecretIfNeeded(_ object: JSON, type: ResourceType) -> JSON {
        type == .secrets ? normalizeSecret(object) : object
    }
}
