extension CloudConfig {
    /// An entry of `runcmd` or `bootcmd`.
    ///
    /// Prefer the argv form (`.argv([...])`): cloud-init quotes each argument for the shell, so
    /// nothing in them is interpreted. ``shell(_:)`` passes a line to `sh` as is; use it only for
    /// text you wrote yourself, never for values from outside.
    public struct Command: Sendable, Hashable, Codable {
        /// How the command is written.
        public enum Form: Sendable, Hashable {
            /// A list: program and arguments, each quoted by cloud-init.
            case argv([Argument])
            /// A string: a shell command line, run by `sh` as is.
            case shell(Argument)
        }

        /// One argument (or a whole shell line), possibly secret, e.g. a join token.
        public enum Argument: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
            case plain(String)
            case secret(Secret)

            public init(stringLiteral value: String) { self = .plain(value) }

            var isSecret: Bool {
                if case .secret = self { return true }
                return false
            }

            var text: String {
                switch self {
                case .plain(let text): text
                case .secret(let secret): secret.revealed
                }
            }
        }

        public var form: Form

        public init(form: Form) { self.form = form }

        /// Runs a program with arguments, e.g. `.argv(["kubeadm", "join", .secret(token)])`.
        public static func argv(_ arguments: [Argument]) -> Command { Command(form: .argv(arguments)) }

        /// Runs a program with plain arguments, e.g. `.argv(["systemctl", "enable", "--now", "kubelet"])`.
        public static func argv(_ arguments: [String]) -> Command { Command(form: .argv(arguments.map(Argument.plain))) }

        /// A shell command line, run by `sh` as is (pipes, redirections and variables work).
        public static func shell(_ line: String) -> Command { Command(form: .shell(.plain(line))) }

        /// A shell command line that contains a secret.
        public static func shell(secret line: Secret) -> Command { Command(form: .shell(.secret(line))) }

        var secretCount: Int {
            switch form {
            case .argv(let arguments): arguments.filter(\.isSecret).count
            case .shell(let line): line.isSecret ? 1 : 0
            }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let line = try? container.decode(String.self) {
                form = .shell(.plain(line))
            } else {
                form = .argv(try container.decode([String].self).map(Argument.plain))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch form {
            case .argv(let arguments): try container.encode(arguments.map(\.text))
            case .shell(let line): try container.encode(line.text)
            }
        }
    }

    /// `power_state`: what to do when cloud-init has finished.
    public struct PowerState: Sendable, Hashable, Codable {
        public enum Mode: String, Sendable, Hashable, Codable {
            case poweroff, reboot, halt
        }

        /// `mode`.
        public var mode: Mode
        /// `delay` in minutes; `nil` or 0 is written as `now`.
        public var delayMinutes: Int?
        /// `message`, logged before.
        public var message: String?
        /// `timeout`: seconds to wait for cloud-init to finish.
        public var timeoutSeconds: Int?
        /// `condition`: only if true.
        public var condition: Bool?

        public init(
            mode: Mode, delayMinutes: Int? = nil, message: String? = nil, timeoutSeconds: Int? = nil,
            condition: Bool? = nil
        ) {
            self.mode = mode
            self.delayMinutes = delayMinutes
            self.message = message
            self.timeoutSeconds = timeoutSeconds
            self.condition = condition
        }

        enum CodingKeys: String, CodingKey {
            case mode, delay, message, condition
            case timeoutSeconds = "timeout"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            mode = try container.decode(Mode.self, forKey: .mode)
            if let minutes = try? container.decode(Int.self, forKey: .delay) {
                delayMinutes = minutes
            } else if let text = try container.decodeIfPresent(String.self, forKey: .delay) {
                delayMinutes = text == "now" ? nil : Int(text.trimming("+"))
            }
            message = try container.decodeIfPresent(String.self, forKey: .message)
            timeoutSeconds = try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds)
            condition = try container.decodeIfPresent(Bool.self, forKey: .condition)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(mode, forKey: .mode)
            // An integer, as cloud-init's schema prefers since 22.x; the "+N" string form is
            // deprecated (to be dropped after April 2027).
            if let delayMinutes, delayMinutes > 0 {
                try container.encode(delayMinutes, forKey: .delay)
            } else {
                try container.encode("now", forKey: .delay)
            }
            try container.encodeIfPresent(message, forKey: .message)
            try container.encodeIfPresent(timeoutSeconds, forKey: .timeoutSeconds)
            try container.encodeIfPresent(condition, forKey: .condition)
        }
    }
}
