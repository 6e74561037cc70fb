extension CloudConfig {
    /// An entry of `write_files`.
    public struct WriteFile: Sendable, Hashable, Codable {
        /// `path`: absolute.
        public var path: String
        /// `content`.
        public var content: Content
        /// `permissions`, written as an octal string such as `'0644'`.
        public var permissions: FileMode?
        /// `owner`: `user` or `user:group`.
        public var owner: String?
        /// `encoding`: `.base64` writes the content base64-encoded with `encoding: b64`. Content given
        /// as ``Content/bytes(_:)`` is always written that way.
        public var encoding: Encoding
        /// `append`: append to the file instead of replacing it.
        public var append: Bool?
        /// `defer`: write the file in the final stage, after users and packages exist.
        public var deferred: Bool?

        public init(
            path: String, content: Content, permissions: FileMode? = nil, owner: String? = nil,
            encoding: Encoding = .plain, append: Bool? = nil, deferred: Bool? = nil
        ) {
            self.path = path
            self.content = content
            self.permissions = permissions
            self.owner = owner
            self.encoding = encoding
            self.append = append
            self.deferred = deferred
        }

        /// What goes in the file.
        public enum Content: Sendable, Hashable, ExpressibleByStringLiteral {
            case text(String)
            /// Text that must not be logged: a token, a private key.
            case secret(Secret)
            /// Arbitrary bytes; always written base64-encoded.
            case bytes([UInt8])

            public init(stringLiteral value: String) { self = .text(value) }

            /// The file's bytes.
            var bytes: [UInt8] {
                switch self {
                case .text(let text): Array(text.utf8)
                case .secret(let secret): Array(secret.revealed.utf8)
                case .bytes(let bytes): bytes
                }
            }

            /// The file's size in bytes (safe to log).
            public var byteCount: Int {
                switch self {
                case .text(let text): text.utf8.count
                case .secret(let secret): secret.utf8Count
                case .bytes(let bytes): bytes.count
                }
            }
        }

        /// How `content` is written in the YAML.
        public enum Encoding: String, Sendable, Hashable {
            /// As text, exactly.
            case plain
            /// Base64 (`encoding: b64`).
            case base64 = "b64"
        }

        enum CodingKeys: String, CodingKey {
            case path, content, permissions, owner, encoding, append
            case deferred = "defer"
        }

        var writesBase64: Bool {
            if case .bytes = content { return true }
            return encoding == .base64
        }

        var secretCount: Int {
            if case .secret = content { return 1 }
            return 0
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            path = try container.decode(String.self, forKey: .path)
            let text = try container.decodeIfPresent(String.self, forKey: .content) ?? ""
            let encodingName = try container.decodeIfPresent(String.self, forKey: .encoding) ?? "text/plain"
            if ["b64", "base64"].contains(encodingName) {
                guard let bytes = Base64.decode(text) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .content, in: container, debugDescription: "content is not valid base64")
                }
                content = .bytes(bytes)
                encoding = .base64
            } else if encodingName == "text/plain" {
                content = .text(text)
                encoding = .plain
            } else {
                throw DecodingError.dataCorruptedError(
                    forKey: .encoding, in: container, debugDescription: "only text/plain and b64 are supported")
            }
            permissions = try container.decodeIfPresent(FileMode.self, forKey: .permissions)
            owner = try container.decodeIfPresent(String.self, forKey: .owner)
            append = try container.decodeIfPresent(Bool.self, forKey: .append)
            deferred = try container.decodeIfPresent(Bool.self, forKey: .deferred)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(path, forKey: .path)
            if writesBase64 {
                try container.encode(Base64.encode(content.bytes), forKey: .content)
                try container.encode(Encoding.base64.rawValue, forKey: .encoding)
            } else {
                switch content {
                case .text(let text): try container.encode(text, forKey: .content)
                case .secret(let secret): try container.encode(secret, forKey: .content)
                case .bytes: break  // always base64, above
                }
            }
            try container.encodeIfPresent(permissions, forKey: .permissions)
            try container.encodeIfPresent(owner, forKey: .owner)
            try container.encodeIfPresent(append, forKey: .append)
            try container.encodeIfPresent(deferred, forKey: .deferred)
        }
    }

    /// File permission bits, written as an octal string (`'0644'`) so YAML cannot read them as a
    /// decimal or octal number.
    public struct FileMode: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByIntegerLiteral,
        CustomStringConvertible
    {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        /// E.g. `FileMode(0o600)`.
        public init(_ bits: UInt16) { rawValue = bits }
        public init(integerLiteral value: UInt16) { rawValue = value }

        /// `0644`, `0600`, `04755`.
        public var description: String {
            let octal = String(rawValue, radix: 8)
            return "0" + String(repeating: "0", count: max(0, 3 - octal.count)) + octal
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self), let bits = UInt16(text, radix: 8) {
                rawValue = bits
            } else {
                rawValue = try container.decode(UInt16.self)
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(description)
        }
    }
}
