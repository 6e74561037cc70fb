extension CloudConfig {
    /// An entry of `users`: the image's default user (`- default`), or an account to create.
    public enum UserEntry: Sendable, Hashable, Codable {
        /// Keep the image's default user (e.g. `debian`), configured by `ssh_authorized_keys`.
        case defaultUser
        case user(User)

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let name = try? container.decode(String.self) {
                guard name == "default" else {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected 'default' or a user")
                }
                self = .defaultUser
            } else {
                self = .user(try container.decode(User.self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .defaultUser:
                var container = encoder.singleValueContainer()
                try container.encode("default")
            case .user(let user):
                try user.encode(to: encoder)
            }
        }

        var secretCount: Int {
            if case .user(let user) = self, user.hashedPassword != nil { return 1 }
            return 0
        }
    }

    /// An account cloud-init creates.
    public struct User: Sendable, Hashable, Codable {
        /// `name`.
        public var name: String
        /// `gecos`: the full name.
        public var gecos: String?
        /// `groups`: supplementary groups (written as a list).
        public var groups: [String]
        /// `shell`, e.g. `/bin/bash`.
        public var shell: String?
        /// `sudo`: sudoers rules, e.g. `ALL=(ALL) NOPASSWD:ALL`. Empty means no sudo entry; one rule
        /// is written as a string, several as a list.
        public var sudo: [String]
        /// `ssh_authorized_keys`.
        public var sshAuthorizedKeys: [String]
        /// `lock_passwd`: lock password login (cloud-init's default is `true`).
        public var lockPassword: Bool?
        /// `passwd`: a crypt(3) password hash.
        public var hashedPassword: Secret?

        public init(
            name: String, gecos: String? = nil, groups: [String] = [], shell: String? = nil, sudo: [String] = [],
            sshAuthorizedKeys: [String] = [], lockPassword: Bool? = nil, hashedPassword: Secret? = nil
        ) {
            self.name = name
            self.gecos = gecos
            self.groups = groups
            self.shell = shell
            self.sudo = sudo
            self.sshAuthorizedKeys = sshAuthorizedKeys
            self.lockPassword = lockPassword
            self.hashedPassword = hashedPassword
        }

        enum CodingKeys: String, CodingKey {
            case name, gecos, groups, shell, sudo
            case sshAuthorizedKeys = "ssh_authorized_keys"
            case lockPassword = "lock_passwd"
            case hashedPassword = "passwd"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            gecos = try container.decodeIfPresent(String.self, forKey: .gecos)
            groups = try container.decodeStringList(forKey: .groups, separator: ",")
            shell = try container.decodeIfPresent(String.self, forKey: .shell)
            sudo = try container.decodeStringList(forKey: .sudo, separator: nil)
            sshAuthorizedKeys = try container.decodeIfPresent([String].self, forKey: .sshAuthorizedKeys) ?? []
            lockPassword = try container.decodeIfPresent(Bool.self, forKey: .lockPassword)
            hashedPassword = try container.decodeIfPresent(Secret.self, forKey: .hashedPassword)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encodeIfPresent(gecos, forKey: .gecos)
            if !groups.isEmpty { try container.encode(groups, forKey: .groups) }
            try container.encodeIfPresent(shell, forKey: .shell)
            // One rule as a string: cloud-init's schema (22.x) allows only that, although its
            // code also takes a list, which is what several rules need.
            if sudo.count == 1 {
                try container.encode(sudo[0], forKey: .sudo)
            } else if !sudo.isEmpty {
                try container.encode(sudo, forKey: .sudo)
            }
            if !sshAuthorizedKeys.isEmpty { try container.encode(sshAuthorizedKeys, forKey: .sshAuthorizedKeys) }
            try container.encodeIfPresent(lockPassword, forKey: .lockPassword)
            try container.encodeIfPresent(hashedPassword, forKey: .hashedPassword)
        }
    }
}

extension KeyedDecodingContainer {
    /// A list of strings that cloud-init also accepts as one string (`groups: a, b`), or `false`.
    func decodeStringList(forKey key: Key, separator: Character?) throws -> [String] {
        guard contains(key), try !decodeNil(forKey: key) else { return [] }
        if let list = try? decode([String].self, forKey: key) { return list }
        if let flag = try? decode(Bool.self, forKey: key), !flag { return [] }
        let text = try decode(String.self, forKey: key)
        guard let separator else { return [text] }
        return text.split(separator: separator).map { String($0).trimming(" ") }
    }
}

extension String {
    func trimming(_ set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
