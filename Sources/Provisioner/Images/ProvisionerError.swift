import Libvirt

/// Why a provisioning step failed: what kind of failure (``code``), a message that says what was
/// being done and what to do about it, and the libvirt error behind it, when there is one.
public struct ProvisionerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure. A struct wrapping a private enum, so adding a kind breaks no `switch`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable, Hashable {
            case invalidArgument, fileUnreadable, unsupportedFormat, checksumMismatch, poolNotFound, poolInactive
            case alreadyExists, insufficientSpace, notFound, inUse, libvirt, xml
            case notOwned, timeout, invalidState, unsupported, guestAgent, cloudInit, insufficientResources, template
            case cancelled, kubernetes, drainBlocked, nodeNotReady, fileUnwritable, hostUnreachable
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// A name or value the caller gave is not acceptable (e.g. a volume name with '/').
        public static let invalidArgument = Code(.invalidArgument)
        /// A libvirt host the work needs did not answer.
        public static let hostUnreachable = Code(.hostUnreachable)
        /// The image file cannot be opened or read.
        public static let fileUnreadable = Code(.fileUnreadable)
        /// A file on this machine (e.g. a kubeconfig) cannot be written.
        public static let fileUnwritable = Code(.fileUnwritable)
        /// The file is not a qcow2 or raw image kinvm can import.
        public static let unsupportedFormat = Code(.unsupportedFormat)
        /// The file's SHA-256 is not the one expected.
        public static let checksumMismatch = Code(.checksumMismatch)
        /// No storage pool of that name.
        public static let poolNotFound = Code(.poolNotFound)
        /// The storage pool exists but is not started.
        public static let poolInactive = Code(.poolInactive)
        /// A volume of that name already exists.
        public static let alreadyExists = Code(.alreadyExists)
        /// The pool has less free space than the image needs.
        public static let insufficientSpace = Code(.insufficientSpace)
        /// No image (volume) of that name.
        public static let notFound = Code(.notFound)
        /// The image is still used by guests (directly or as the backing store of an overlay).
        public static let inUse = Code(.inUse)
        /// A libvirt call failed (see ``ProvisionerError/underlying``).
        public static let libvirt = Code(.libvirt)
        /// libvirt returned XML that could not be read, or a value could not be written as XML.
        public static let xml = Code(.xml)

        /// The object exists but kinvm did not create it (no kinvm metadata); pass force to act anyway.
        public static let notOwned = Code(.notOwned)
        /// A wait ran out of time (the message says what was awaited and what was seen).
        public static let timeout = Code(.timeout)
        /// The guest is in a state that does not allow the operation (e.g. not running).
        public static let invalidState = Code(.invalidState)
        /// The change cannot be made this way (e.g. live vCPU removal); the message says what can.
        public static let unsupported = Code(.unsupported)
        /// The guest agent did not answer, or answered with an error.
        public static let guestAgent = Code(.guestAgent)
        /// cloud-init finished with an error in the guest.
        public static let cloudInit = Code(.cloudInit)
        /// The host lacks the CPUs or memory asked for.
        public static let insufficientResources = Code(.insufficientResources)
        /// The domain template is missing, unreadable or invalid.
        public static let template = Code(.template)
        /// The operation was cancelled (e.g. Ctrl-C); what it created was rolled back.
        public static let cancelled = Code(.cancelled)
        /// A Kubernetes API call failed (unreachable, untrusted, refused credentials, an error status).
        public static let kubernetes = Code(.kubernetes)
        /// A drain cannot proceed: pods that only `--force` or `--delete-emptydir-data` would evict.
        public static let drainBlocked = Code(.drainBlocked)
        /// A node did not register or become Ready in time (the message carries the guest's logs).
        public static let nodeNotReady = Code(.nodeNotReady)

        public var description: String { kind.rawValue }
    }

    public var code: Code
    /// What went wrong, for people: names the image, the pool and the cause.
    public var message: String
    /// The libvirt error that caused it, when there is one.
    public var underlying: LibvirtError?

    public init(_ code: Code, _ message: String, underlying: LibvirtError? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    /// The message, followed by libvirt's own when there is one.
    public var description: String {
        guard let underlying else { return message }
        return "\(message): \(underlying.message)"
    }

    /// A failed libvirt call while doing `what` (e.g. "creating volume 'base' in pool 'default'").
    static func libvirt(_ what: String, _ error: LibvirtError) -> ProvisionerError {
        ProvisionerError(.libvirt, what, underlying: error)
    }
}
