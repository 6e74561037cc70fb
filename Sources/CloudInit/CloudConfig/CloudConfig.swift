/// A typed `#cloud-config` user-data document.
///
/// Only the keys kinvm needs are modelled; anything else goes in ``extra``, which is merged at the
/// top level. Keys are written in a fixed order (the order of the properties below, then `extra`
/// sorted by key), so the same config always renders to the same bytes. Every value is encoded by
/// Yams, so strings that look like YAML syntax, booleans (`yes`, `on`) or numbers (`0644`) stay
/// strings when cloud-init reads them back.
///
/// Empty lists and `nil` values are left out of the document, so cloud-init applies its defaults.
public struct CloudConfig: Sendable, Hashable {
    /// `hostname`: the short host name.
    public var hostname: String?
    /// `fqdn`: the fully qualified name.
    public var fqdn: String?
    /// `manage_etc_hosts`: whether cloud-init writes `/etc/hosts`.
    public var manageEtcHosts: ManageEtcHosts?
    /// `locale`: a locale to configure, or `.disabled` (`locale: false`) for images without the
    /// `locales` package (Debian minbase), where cloud-init would otherwise end in error.
    public var locale: LocaleSetting?
    /// `timezone`, e.g. `Etc/UTC`.
    public var timezone: String?
    /// `users`: the accounts to create. If this is not empty and has no ``UserEntry/defaultUser``,
    /// the image's default user is not created.
    public var users: [UserEntry]
    /// `ssh_authorized_keys`: keys for the default user.
    public var sshAuthorizedKeys: [String]
    /// `ssh_pwauth`: whether sshd accepts passwords.
    public var sshPasswordAuthentication: Bool?
    /// `package_update`: run the package manager's update first.
    public var packageUpdate: Bool?
    /// `packages`: packages to install.
    public var packages: [String]
    /// `write_files`: files to write.
    public var writeFiles: [WriteFile]
    /// `bootcmd`: commands run early, on every boot.
    public var bootcmd: [Command]
    /// `runcmd`: commands run once per instance, late in boot.
    public var runcmd: [Command]
    /// `power_state`: power off or reboot when cloud-init is done.
    public var powerState: PowerState?
    /// `final_message`: logged when cloud-init is done.
    public var finalMessage: String?
    /// Keys kinvm does not model, merged at the top level (sorted by key). A key that is modelled
    /// above is refused by ``validate()``.
    public var extra: [String: YAMLValue]

    public init(
        hostname: String? = nil, fqdn: String? = nil, manageEtcHosts: ManageEtcHosts? = nil,
        locale: LocaleSetting? = nil, timezone: String? = nil, users: [UserEntry] = [],
        sshAuthorizedKeys: [String] = [], sshPasswordAuthentication: Bool? = nil, packageUpdate: Bool? = nil,
        packages: [String] = [], writeFiles: [WriteFile] = [], bootcmd: [Command] = [], runcmd: [Command] = [],
        powerState: PowerState? = nil, finalMessage: String? = nil, extra: [String: YAMLValue] = [:]
    ) {
        self.hostname = hostname
        self.fqdn = fqdn
        self.manageEtcHosts = manageEtcHosts
        self.locale = locale
        self.timezone = timezone
        self.users = users
        self.sshAuthorizedKeys = sshAuthorizedKeys
        self.sshPasswordAuthentication = sshPasswordAuthentication
        self.packageUpdate = packageUpdate
        self.packages = packages
        self.writeFiles = writeFiles
        self.bootcmd = bootcmd
        self.runcmd = runcmd
        self.powerState = powerState
        self.finalMessage = finalMessage
        self.extra = extra
    }

    /// The first line cloud-init looks for to treat user-data as a cloud-config.
    public static let header = "#cloud-config"

    /// The user-data text: `#cloud-config`, then the YAML document. Validates first.
    public func yaml() throws(CloudInitError) -> String {
        try validate()
        return Self.header + "\n" + (try YAMLRendering.render(self, file: "user-data"))
    }

    /// How many ``Secret`` values the config holds (for ``NoCloudSeed/redactedSummary``).
    public var secretCount: Int {
        users.reduce(0) { $0 + $1.secretCount } + writeFiles.reduce(0) { $0 + $1.secretCount }
            + (bootcmd + runcmd).reduce(0) { $0 + $1.secretCount } + extra.values.reduce(0) { $0 + $1.secretCount }
    }
}

extension CloudConfig {
    /// `manage_etc_hosts`: `true`, `false` or `localhost` (map the host name to 127.0.1.1 only).
    public enum ManageEtcHosts: Sendable, Hashable, Codable {
        case enabled, disabled, localhost

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self) {
                self = flag ? .enabled : .disabled
            } else if try container.decode(String.self) == "localhost" {
                self = .localhost
            } else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected true, false or localhost")
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .enabled: try container.encode(true)
            case .disabled: try container.encode(false)
            case .localhost: try container.encode("localhost")
            }
        }
    }

    /// `locale`: a locale name such as `en_US.UTF-8`, or `false` to leave the locale alone.
    public enum LocaleSetting: Sendable, Hashable, Codable {
        case disabled
        case named(String)

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self), !flag {
                self = .disabled
            } else {
                self = .named(try container.decode(String.self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .disabled: try container.encode(false)
            case .named(let name): try container.encode(name)
            }
        }
    }
}
