extension CloudConfig: Codable {
    /// The modelled keys, in the order they are written.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case hostname, fqdn
        case manageEtcHosts = "manage_etc_hosts"
        case locale, timezone, users
        case sshAuthorizedKeys = "ssh_authorized_keys"
        case sshPasswordAuthentication = "ssh_pwauth"
        case packageUpdate = "package_update"
        case packages
        case writeFiles = "write_files"
        case bootcmd, runcmd
        case powerState = "power_state"
        case finalMessage = "final_message"
    }

    /// The top-level keys this type models; ``extra`` must not use them.
    public static var modelledKeys: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }

    /// Reads a cloud-config mapping; keys that are not modelled land in ``extra``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        hostname = try container.decodeIfPresent(String.self, forKey: .hostname)
        fqdn = try container.decodeIfPresent(String.self, forKey: .fqdn)
        manageEtcHosts = try container.decodeIfPresent(ManageEtcHosts.self, forKey: .manageEtcHosts)
        locale = try container.decodeIfPresent(LocaleSetting.self, forKey: .locale)
        timezone = try container.decodeIfPresent(String.self, forKey: .timezone)
        users = try container.decodeIfPresent([UserEntry].self, forKey: .users) ?? []
        sshAuthorizedKeys = try container.decodeIfPresent([String].self, forKey: .sshAuthorizedKeys) ?? []
        sshPasswordAuthentication = try container.decodeIfPresent(Bool.self, forKey: .sshPasswordAuthentication)
        packageUpdate = try container.decodeIfPresent(Bool.self, forKey: .packageUpdate)
        packages = try container.decodeIfPresent([String].self, forKey: .packages) ?? []
        writeFiles = try container.decodeIfPresent([WriteFile].self, forKey: .writeFiles) ?? []
        bootcmd = try container.decodeIfPresent([Command].self, forKey: .bootcmd) ?? []
        runcmd = try container.decodeIfPresent([Command].self, forKey: .runcmd) ?? []
        powerState = try container.decodeIfPresent(PowerState.self, forKey: .powerState)
        finalMessage = try container.decodeIfPresent(String.self, forKey: .finalMessage)

        let all = try decoder.container(keyedBy: DynamicKey.self)
        var extra: [String: YAMLValue] = [:]
        for key in all.allKeys where !Self.modelledKeys.contains(key.stringValue) {
            extra[key.stringValue] = try all.decode(YAMLValue.self, forKey: key)
        }
        self.extra = extra
    }

    /// Writes the modelled keys in declaration order, then ``extra`` sorted by key.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(hostname, forKey: .hostname)
        try container.encodeIfPresent(fqdn, forKey: .fqdn)
        try container.encodeIfPresent(manageEtcHosts, forKey: .manageEtcHosts)
        try container.encodeIfPresent(locale, forKey: .locale)
        try container.encodeIfPresent(timezone, forKey: .timezone)
        try container.encodeUnlessEmpty(users, forKey: .users)
        try container.encodeUnlessEmpty(sshAuthorizedKeys, forKey: .sshAuthorizedKeys)
        try container.encodeIfPresent(sshPasswordAuthentication, forKey: .sshPasswordAuthentication)
        try container.encodeIfPresent(packageUpdate, forKey: .packageUpdate)
        try container.encodeUnlessEmpty(packages, forKey: .packages)
        try container.encodeUnlessEmpty(writeFiles, forKey: .writeFiles)
        try container.encodeUnlessEmpty(bootcmd, forKey: .bootcmd)
        try container.encodeUnlessEmpty(runcmd, forKey: .runcmd)
        try container.encodeIfPresent(powerState, forKey: .powerState)
        try container.encodeIfPresent(finalMessage, forKey: .finalMessage)

        var extras = encoder.container(keyedBy: DynamicKey.self)
        for key in extra.keys.sorted() where !Self.modelledKeys.contains(key) {
            try extras.encode(extra[key], forKey: DynamicKey(key))
        }
    }
}

extension KeyedEncodingContainer {
    mutating func encodeUnlessEmpty<Element: Encodable>(_ values: [Element], forKey key: Key) throws {
        if !values.isEmpty { try encode(values, forKey: key) }
    }
}
