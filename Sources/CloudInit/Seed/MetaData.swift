/// The NoCloud `meta-data` file: who the instance is.
///
/// cloud-init runs its per-instance modules (users, write_files, runcmd, ...) once per
/// `instance-id`: give a re-created guest a new id, and keep it stable across reboots.
public struct MetaData: Sendable, Hashable, Codable {
    /// `instance-id`.
    public var instanceID: String
    /// `local-hostname`: the host name cloud-init sets unless the cloud-config sets one.
    public var localHostname: String?

    public init(instanceID: String, localHostname: String? = nil) {
        self.instanceID = instanceID
        self.localHostname = localHostname
    }

    enum CodingKeys: String, CodingKey {
        case instanceID = "instance-id"
        case localHostname = "local-hostname"
    }

    /// An id must be a single non-empty line; the host name a DNS name.
    public func validate() throws(CloudInitError) {
        try Check.singleLine(instanceID, field: "instance-id")
        if let localHostname { try Check.hostname(localHostname, field: "local-hostname") }
    }

    /// The file's text, e.g. `instance-id: iid-worker-1\nlocal-hostname: worker-1\n`.
    public func yaml() throws(CloudInitError) -> String {
        try validate()
        return try YAMLRendering.render(self, file: "meta-data")
    }
}
