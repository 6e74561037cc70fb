/// One event of a watch: what happened and the object as it is now (as it was, for DELETED).
public struct WatchEvent<Object: Sendable>: Sendable {
    public enum EventType: String, Sendable, Hashable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
        case bookmark = "BOOKMARK"
    }

    public var type: EventType
    public var object: Object

    public init(type: EventType, object: Object) {
        self.type = type
        self.object = object
    }
}

extension WatchEvent: Equatable where Object: Equatable {}
