extension CloudConfig {
    /// Checks the fields cloud-init would reject or misread, before anything is rendered: host
    /// names, account names, absolute paths, permission bits, empty commands, and `extra` keys that
    /// shadow modelled ones. Free text (content, messages, shell lines) is not restricted: YAML
    /// carries any text, and ``Secret`` values are never inspected.
    public func validate() throws(CloudInitError) {
        if let hostname { try Check.hostname(hostname, field: "hostname") }
        if let fqdn { try Check.hostname(fqdn, field: "fqdn") }
        if case .named(let name) = locale { try Check.singleLine(name, field: "locale") }
        if let timezone { try Check.singleLine(timezone, field: "timezone") }
        for (index, entry) in users.enumerated() {
            if case .user(let user) = entry { try user.validate(field: "users[\(index)]") }
        }
        for (index, key) in sshAuthorizedKeys.enumerated() {
            try Check.singleLine(key, field: "ssh_authorized_keys[\(index)]")
        }
        for (index, package) in packages.enumerated() { try Check.singleLine(package, field: "packages[\(index)]") }
        for (index, file) in writeFiles.enumerated() { try file.validate(field: "write_files[\(index)]") }
        for (index, command) in bootcmd.enumerated() { try command.validate(field: "bootcmd[\(index)]") }
        for (index, command) in runcmd.enumerated() { try command.validate(field: "runcmd[\(index)]") }
        if let powerState { try powerState.validate() }
        for key in extra.keys.sorted() {
            guard !Self.modelledKeys.contains(key) else {
                throw CloudInitError(
                    field: "extra.\(key)", value: key, reason: "'\(key)' is modelled by CloudConfig: set that property instead")
            }
            try YAMLRendering.checkKey(key, field: "extra.\(key)")
            try extra[key]?.checkKeys(field: "extra.\(key)")
        }
    }
}

extension CloudConfig.User {
    func validate(field: String) throws(CloudInitError) {
        try Check.accountName(name, field: "\(field).name")
        for (index, group) in groups.enumerated() { try Check.accountName(group, field: "\(field).groups[\(index)]") }
        if let gecos { try Check.singleLine(gecos, field: "\(field).gecos") }
        if let shell { try Check.absolutePath(shell, field: "\(field).shell") }
        for (index, rule) in sudo.enumerated() { try Check.singleLine(rule, field: "\(field).sudo[\(index)]") }
        for (index, key) in sshAuthorizedKeys.enumerated() {
            try Check.singleLine(key, field: "\(field).ssh_authorized_keys[\(index)]")
        }
    }
}

extension CloudConfig.WriteFile {
    func validate(field: String) throws(CloudInitError) {
        try Check.absolutePath(path, field: "\(field).path")
        guard !path.hasSuffix("/") else {
            throw CloudInitError(field: "\(field).path", value: path, reason: "names a directory, not a file")
        }
        if let permissions, permissions.rawValue > 0o7777 {
            throw CloudInitError(field: "\(field).permissions", value: "\(permissions)", reason: "must be at most 07777")
        }
        if let owner {
            let parts = owner.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else {
                throw CloudInitError(field: "\(field).owner", value: owner, reason: "use user or user:group")
            }
            for part in parts { try Check.accountName(String(part), field: "\(field).owner") }
        }
    }
}

extension CloudConfig.Command {
    func validate(field: String) throws(CloudInitError) {
        switch form {
        case .argv(let arguments):
            guard let first = arguments.first else {
                throw CloudInitError(field: field, value: "[]", reason: "a command needs at least a program name")
            }
            if case .plain(let program) = first, program.isEmpty {
                throw CloudInitError(field: "\(field)[0]", value: program, reason: "the program name must not be empty")
            }
        case .shell(.plain(let line)):
            guard !line.allSatisfy(\.isWhitespace) else {
                throw CloudInitError(field: field, value: line, reason: "the shell line is empty")
            }
        case .shell(.secret):
            break
        }
    }
}

extension CloudConfig.PowerState {
    func validate() throws(CloudInitError) {
        if let delayMinutes, delayMinutes < 0 {
            throw CloudInitError(field: "power_state.delay", value: "\(delayMinutes)", reason: "must not be negative")
        }
        if let timeoutSeconds, timeoutSeconds <= 0 {
            throw CloudInitError(field: "power_state.timeout", value: "\(timeoutSeconds)", reason: "must be positive")
        }
        if let message { try Check.singleLine(message, field: "power_state.message") }
    }
}
