import Foundation
import Synchronization

/// Where one object lives: its resource, namespace ("" for cluster-scoped) and name.
struct ObjectKey: Sendable, Hashable, Comparable {
    var resource: String  // "pods", "poddisruptionbudgets.policy"
    var namespace: String
    var name: String

    init(_ type: ResourceType, namespace: String?, name: String) {
        self.resource = type.group.isEmpty ? type.name : "\(type.name).\(type.group)"
        self.namespace = type.namespaced ? (namespace ?? "") : ""
        self.name = name
    }

    static func < (lhs: ObjectKey, rhs: ObjectKey) -> Bool {
        (lhs.resource, lhs.namespace, lhs.name) < (rhs.resource, rhs.namespace, rhs.name)
    }
}

/// One change, as watches see it.
struct StoreEvent: Sendable {
    enum Kind: String, Sendable { case added = "ADDED", modified = "MODIFIED", deleted = "DELETED" }
    var kind: Kind
    var key: ObjectKey
    var object: JSON
    /// The object before the change (for MODIFIED), so selector-filtered watches can turn a change
    /// that leaves the selection into DELETED.
    var previous: JSON?
    var resourceVersion: Int
}

/// What a watch wants and where its events go.
struct WatchSubscription: Sendable {
    var type: ResourceType
    var namespace: String?
    var labels: LabelSelector
    var fields: FieldSelector?
    /// Called with the event type and the object; runs under the store's lock, so it must only enqueue.
    var deliver: @Sendable (StoreEvent.Kind, JSON) -> Void

    func matches(_ object: JSON) -> Bool {
        labels.matches(object[path: ["metadata", "labels"]]?.stringMap ?? [:]) && (fields?.matches(object) ?? true)
    }

    func accepts(_ key: ObjectKey) -> Bool {
        key.resource == ObjectKey(type, namespace: nil, name: "").resource && (namespace == nil || key.namespace == namespace)
    }

    /// The event this watch sees for a change, if any (selector transitions become ADDED/DELETED).
    func translate(_ event: StoreEvent) -> (StoreEvent.Kind, JSON)? {
        guard accepts(event.key) else { return nil }
        let now = matches(event.object)
        switch event.kind {
        case .added, .deleted:
            return now ? (event.kind, event.object) : nil
        case .modified:
            let before = event.previous.map(matches) ?? now
            switch (before, now) {
            case (true, true): return (.modified, event.object)
            case (false, true): return (.added, event.object)
            case (true, false): return (.deleted, event.object)
            case (false, false): return nil
            }
        }
    }
}

/// The in-memory object store: one resourceVersion counter for the whole cluster, a bounded event
/// history for watches, and the registered watches.
final class ObjectStore: Sendable {
    private struct State {
        var resourceVersion = 0
        var objects: [ObjectKey: JSON] = [:]
        var history: [StoreEvent] = []
        /// The resourceVersion of the newest event dropped from `history`.
        var compactedThrough = 0
        var watches: [Int: WatchSubscription] = [:]
        var nextWatchID = 0
    }

    private let state = Mutex(State())
    private let historyLimit: Int

    init(historyLimit: Int) {
        self.historyLimit = max(1, historyLimit)
    }

    var resourceVersion: Int { state.withLock { $0.resourceVersion } }

    func get(_ key: ObjectKey) -> JSON? {
        state.withLock { $0.objects[key] }
    }

    /// Matching objects in key order and the resourceVersion they were read at.
    func list(_ type: ResourceType, namespace: String?, labels: LabelSelector, fields: FieldSelector?) -> ([JSON], Int) {
        let probe = WatchSubscription(type: type, namespace: namespace, labels: labels, fields: fields, deliver: { _, _ in })
        return state.withLock { state in
            let items = state.objects.filter { probe.accepts($0.key) && probe.matches($0.value) }.sorted { $0.key < $1.key }.map(\.value)
            return (items, state.resourceVersion)
        }
    }

    /// Stores a new object; `prepare` gets the next resourceVersion and returns the object to store
    /// (or throws). Fails with AlreadyExists when the key is taken.
    func create(_ key: ObjectKey, subject: ErrorSubject, prepare: (Int) throws(APIError) -> JSON) throws(APIError) -> JSON {
        try state.withLock { (state) throws(APIError) -> JSON in
            guard state.objects[key] == nil else { throw APIError.alreadyExists(subject) }
            let version = state.resourceVersion + 1
            let object = try prepare(version)
            state.resourceVersion = version
            state.objects[key] = object
            record(StoreEvent(kind: .added, key: key, object: object, resourceVersion: version), in: &state)
            return object
        }
    }

    /// Atomically replaces an object with `transform(current, nextResourceVersion)`; NotFound when absent.
    /// Returning the current object unchanged writes nothing.
    func update(_ key: ObjectKey, subject: ErrorSubject, transform: (JSON, Int) throws(APIError) -> JSON) throws(APIError) -> JSON {
        try state.withLock { (state) throws(APIError) -> JSON in
            guard let current = state.objects[key] else { throw APIError.notFound(subject) }
            let version = state.resourceVersion + 1
            let updated = try transform(current, version)
            if updated == current { return current }
            state.resourceVersion = version
            state.objects[key] = updated
            record(StoreEvent(kind: .modified, key: key, object: updated, previous: current, resourceVersion: version), in: &state)
            return updated
        }
    }

    /// Removes an object and returns it with the resourceVersion of its deletion.
    func delete(_ key: ObjectKey, subject: ErrorSubject, precondition: (JSON) throws(APIError) -> Void = { _ in }) throws(APIError) -> JSON {
        try state.withLock { (state) throws(APIError) -> JSON in
            guard var object = state.objects[key] else { throw APIError.notFound(subject) }
            try precondition(object)
            state.resourceVersion += 1
            state.objects[key] = nil
            object[path: ["metadata", "resourceVersion"]] = .string(String(state.resourceVersion))
            record(StoreEvent(kind: .deleted, key: key, object: object, resourceVersion: state.resourceVersion), in: &state)
            return object
        }
    }

    /// Registers a watch and replays what it missed: every matching object as ADDED when `since` is nil,
    /// else the recorded events after `since`. Gone when those events were already dropped.
    func watch(_ subscription: WatchSubscription, since: Int?) throws(APIError) -> Int {
        try state.withLock { (state) throws(APIError) -> Int in
            if let since {
                guard since >= state.compactedThrough else { throw APIError.gone(requested: since, oldest: state.compactedThrough + 1) }
                for event in state.history where event.resourceVersion > since {
                    if let (kind, object) = subscription.translate(event) { subscription.deliver(kind, object) }
                }
            } else {
                for (key, object) in state.objects.sorted(by: { $0.key < $1.key })
                where subscription.accepts(key) && subscription.matches(object) {
                    subscription.deliver(.added, object)
                }
            }
            state.nextWatchID += 1
            state.watches[state.nextWatchID] = subscription
            return state.nextWatchID
        }
    }

    func stopWatch(_ id: Int) {
        _ = state.withLock { $0.watches.removeValue(forKey: id) }
    }

    private func record(_ event: StoreEvent, in state: inout State) {
        state.history.append(event)
        if state.history.count > historyLimit {
            let dropped = state.history.removeFirst()
            state.compactedThrough = dropped.resourceVersion
        }
        for subscription in state.watches.values {
            if let (kind, object) = subscription.translate(event) { subscription.deliver(kind, object) }
        }
    }
}
