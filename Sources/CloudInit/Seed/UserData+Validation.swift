import Yams

// Checks that user-data is something cloud-init will act on, and adds SSH keys to it. Errors name
// the problem and, for YAML, the line and column; they never quote the user-data, which often
// holds secrets.

extension UserData {
    /// The first lines cloud-init recognises (its "part handlers"), with what each one is.
    public static let acceptedMarkers: [(marker: String, kind: String)] = [
        (CloudConfig.header, "cloud-config"), ("#!", "script"), ("#include", "include list"),
        ("#cloud-boothook", "boot hook"), ("Content-Type: multipart", "MIME multipart"),
        ("## template: jinja", "jinja template"),
    ]

    /// Checks that cloud-init will act on this user-data: a typed config must validate; raw text
    /// must not be empty, must start with a marker cloud-init knows (``acceptedMarkers``), and a
    /// raw `#cloud-config` must be a YAML mapping (an error names the line and column).
    public func validate() throws(CloudInitError) {
        switch self {
        case .cloudConfig(let config):
            try config.validate()
        case .raw(let text):
            guard !text.allSatisfy(\.isWhitespace) else {
                throw CloudInitError(
                    field: "user-data", value: "", reason: "it is empty; give a #cloud-config document or a script")
            }
            let first = Self.firstLine(text)
            guard Self.acceptedMarkers.contains(where: { first.hasPrefix($0.marker) }) else {
                let markers = Self.acceptedMarkers.map(\.marker).joined(separator: ", ")
                throw CloudInitError(
                    field: "user-data", value: "",
                    reason: "cloud-init would ignore it: the first line must start with one of \(markers)")
            }
            if first.hasPrefix(CloudConfig.header) { _ = try Self.cloudConfigMapping(text) }
        }
    }

    /// The user-data with `keys` added to the default user's `ssh_authorized_keys`.
    ///
    /// A typed config gets them in ``CloudConfig/sshAuthorizedKeys``; a raw `#cloud-config` is
    /// parsed, the keys appended to its top-level `ssh_authorized_keys` (created if absent), and it
    /// is written again after the header (its comments are not kept). Other raw kinds cannot carry
    /// keys. No keys: the user-data unchanged.
    public func addingSSHKeys(_ keys: [String]) throws(CloudInitError) -> UserData {
        guard !keys.isEmpty else { return self }
        for (index, key) in keys.enumerated() { try Check.singleLine(key, field: "ssh_authorized_keys[\(index)]") }
        switch self {
        case .cloudConfig(var config):
            config.sshAuthorizedKeys += keys
            return .cloudConfig(config)
        case .raw(let text):
            try validate()
            guard Self.firstLine(text).hasPrefix(CloudConfig.header) else {
                throw CloudInitError(
                    field: "ssh_authorized_keys", value: "",
                    reason: "SSH keys can only be added to cloud-config user-data, not to \(kind); "
                        + "put them in the user-data yourself")
            }
            var mapping = try Self.cloudConfigMapping(text)
            var list: [Node] = []
            if let existing = mapping["ssh_authorized_keys"] {
                guard let sequence = existing.sequence else {
                    throw CloudInitError(
                        field: "user-data.ssh_authorized_keys", value: "", reason: "is not a list, so keys cannot be added to it")
                }
                list = Array(sequence)
            }
            list += keys.map { Node($0, Tag(.str), .doubleQuoted) }
            mapping["ssh_authorized_keys"] = Node(list)
            let body: String
            do {
                body = try Yams.serialize(
                    node: .mapping(mapping), indent: 2, width: -1, allowUnicode: true, sequenceStyle: .block,
                    mappingStyle: .block)
            } catch {
                throw CloudInitError(field: "user-data", value: "", reason: "cannot write the cloud-config again as YAML")
            }
            return .raw(CloudConfig.header + "\n" + body)
        }
    }

    private static func firstLine(_ text: String) -> Substring {
        text.prefix { $0 != "\n" && $0 != "\r" }
    }

    /// The top-level mapping of a raw `#cloud-config` (empty for an empty document).
    static func cloudConfigMapping(_ text: String) throws(CloudInitError) -> Node.Mapping {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw CloudInitError(field: "user-data", value: "", reason: "not valid YAML: \(describe(error))")
        } catch {
            throw CloudInitError(field: "user-data", value: "", reason: "not valid YAML")
        }
        guard let node else { return Node.Mapping([]) }
        guard !YAMLBounds.exceeds(node) else {
            throw CloudInitError(field: "user-data", value: "", reason: YAMLBounds.tooLarge("the cloud-config"))
        }
        if let mapping = node.mapping { return mapping }
        if case .scalar(let scalar) = node, scalar.tag == Tag(.null) { return Node.Mapping([]) }
        let kind = node.sequence != nil ? "a list" : "a single value"
        throw CloudInitError(
            field: "user-data", value: "",
            reason: "a #cloud-config must be a YAML mapping (key: value lines), but this one is \(kind)"
                + (node.mark.map { " at line \($0.line), column \($0.column)" } ?? ""))
    }

    /// The problem and where it is, without the YAML text (it may hold secrets).
    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let while_ = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return "\(problem) at line \(mark.line), column \(mark.column)\(while_)"
        case .reader(let problem, let offset, _, _):
            return problem + (offset.map { " at character \($0)" } ?? "")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return "duplicate keys \(duplicates.joined(separator: ", ")) at line \(context.mark.line), column \(context.mark.column)"
        default:
            return "the YAML parser failed"
        }
    }
}
