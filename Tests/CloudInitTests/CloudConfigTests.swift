import CloudInit
import Testing
import Yams

/// A cloud-config that sets every modelled key.
enum FullConfig {
    static let token = Secret("abcdef.0123456789abcdef")

    static var config: CloudConfig {
        CloudConfig(
            hostname: "worker-1", fqdn: "worker-1.lab", manageEtcHosts: .enabled, locale: .disabled,
            timezone: "Etc/UTC",
            users: [
                .defaultUser,
                .user(CloudConfig.User(
                    name: "kinvm", groups: ["sudo", "adm"], shell: "/bin/bash", sudo: ["ALL=(ALL) NOPASSWD:ALL"],
                    sshAuthorizedKeys: [Fixtures.sshKey], lockPassword: true)),
            ],
            sshAuthorizedKeys: [Fixtures.sshKey], sshPasswordAuthentication: false, packageUpdate: false,
            packages: ["qemu-guest-agent"],
            writeFiles: [
                .init(path: "/etc/kinvm/token", content: .secret(token), permissions: 0o600, owner: "root:root"),
                .init(path: "/etc/motd", content: "Managed by kinvm.\nDo not edit.\n", permissions: 0o644, append: true),
                .init(path: "/usr/local/bin/x", content: .bytes([0, 1, 2, 255]), permissions: 0o755, deferred: true),
            ],
            bootcmd: [.argv(["mkdir", "-p", "/run/kinvm"])],
            runcmd: [
                .argv(["kubeadm", "join", "--token", .secret(token), "10.0.0.1:6443"]),
                .shell("echo done > /run/kinvm/done"),
            ],
            powerState: .init(mode: .poweroff, delayMinutes: 5, message: "bye", timeoutSeconds: 30, condition: true),
            finalMessage: "kinvm: cloud-init finished after $UPTIME seconds",
            extra: ["datasource_list": ["NoCloud", "None"], "growpart": ["mode": "auto", "devices": ["/"]]])
    }

    static let yaml = """
        #cloud-config
        hostname: worker-1
        fqdn: worker-1.lab
        manage_etc_hosts: true
        locale: false
        timezone: Etc/UTC
        users:
        - default
        - name: kinvm
          groups:
          - sudo
          - adm
          shell: /bin/bash
          sudo: ALL=(ALL) NOPASSWD:ALL
          ssh_authorized_keys:
          - \(Fixtures.sshKey)
          lock_passwd: true
        ssh_authorized_keys:
        - \(Fixtures.sshKey)
        ssh_pwauth: false
        package_update: false
        packages:
        - qemu-guest-agent
        write_files:
        - path: /etc/kinvm/token
          content: abcdef.0123456789abcdef
          permissions: '0600'
          owner: root:root
        - path: /etc/motd
          content: |
            Managed by kinvm.
            Do not edit.
          permissions: '0644'
          append: true
        - path: /usr/local/bin/x
          content: AAEC/w==
          encoding: b64
          permissions: '0755'
          defer: true
        bootcmd:
        - - mkdir
          - -p
          - /run/kinvm
        runcmd:
        - - kubeadm
          - join
          - --token
          - abcdef.0123456789abcdef
          - 10.0.0.1:6443
        - echo done > /run/kinvm/done
        power_state:
          mode: poweroff
          delay: 5
          message: bye
          timeout: 30
          condition: true
        final_message: 'kinvm: cloud-init finished after $UPTIME seconds'
        datasource_list:
        - NoCloud
        - None
        growpart:
          devices:
          - /
          mode: auto

        """
}

@Suite("cloud-config")
struct CloudConfigTests {
    @Test("a full config renders to the golden text, keys in the documented order")
    func golden() throws {
        #expect(try FullConfig.config.yaml() == FullConfig.yaml)
    }

    @Test("the first line is exactly #cloud-config, even for an empty config")
    func header() throws {
        let yaml = try CloudConfig().yaml()
        #expect(yaml == "#cloud-config\n{}\n")
        #expect(try CloudConfig(hostname: "a").yaml().split(separator: "\n").first == "#cloud-config")
    }

    @Test("rendering is stable: extra keys are sorted, not in dictionary order")
    func stable() throws {
        var config = CloudConfig(hostname: "a")
        for index in 0..<50 { config.extra["key\(index)"] = .int(index) }
        let first = try config.yaml()
        let keys = first.split(separator: "\n").dropFirst(2).map { String($0.prefix { $0 != ":" }) }
        #expect(keys == (0..<50).map { "key\($0)" }.sorted())
        for _ in 0..<5 { #expect(try config.yaml() == first) }
    }

    @Test("PyYAML (cloud-init's loader) reads the types cloud-init expects", .enabled(if: Tool.hasPyYAML, "needs python3-yaml"))
    func pyYAMLTypes() throws {
        let yaml = try FullConfig.config.yaml()
        let checks = [
            ("d['locale']", "<bool> False"),
            ("d['manage_etc_hosts']", "<bool> True"),
            ("d['write_files'][0]['permissions']", "0600"),
            ("d['write_files'][1]['content']", "Managed by kinvm.\nDo not edit.\n"),
            ("d['runcmd'][0][4]", "10.0.0.1:6443"),
            ("d['power_state']['delay']", "<int> 5"),
            ("d['users'][1]['sudo']", "ALL=(ALL) NOPASSWD:ALL"),
            ("d['power_state']['timeout']", "<int> 30"),
            ("d['users'][0]", "default"),
            ("d['bootcmd'][0][1]", "-p"),
        ]
        let results = try Fixtures.pyYAML([(yaml, checks.map(\.0))])[0]
        for ((expression, expected), result) in zip(checks, results) {
            #expect(result == expected, "\(expression)")
        }
    }

    @Test("decoding the output and encoding it again gives the same text")
    func roundTrip() throws {
        let yaml = try FullConfig.config.yaml()
        let decoded = try YAMLDecoder().decode(CloudConfig.self, from: yaml)
        #expect(try decoded.yaml() == yaml)
        #expect(decoded.extra["growpart"] == ["mode": "auto", "devices": ["/"]])
        #expect(decoded.writeFiles[2].content == .bytes([0, 1, 2, 255]))
        #expect(decoded.runcmd[1] == .shell("echo done > /run/kinvm/done"))
    }

    @Test("an extra key that is modelled is refused, naming it")
    func extraShadowing() {
        let config = CloudConfig(extra: ["runcmd": ["reboot"]])
        #expect { try config.yaml() } throws: { ($0 as? CloudInitError)?.field == "extra.runcmd" }
    }

    @Test("invalid fields are refused with the field's path", arguments: [
        (CloudConfig(hostname: "under_score"), "hostname"),
        (CloudConfig(users: [.user(.init(name: "Bad Name"))]), "users[0].name"),
        (CloudConfig(users: [.defaultUser, .user(.init(name: "ok", groups: ["a b"]))]), "users[1].groups[0]"),
        (CloudConfig(users: [.user(.init(name: "ok", shell: "bash"))]), "users[0].shell"),
        (CloudConfig(writeFiles: [.init(path: "relative/path", content: "x")]), "write_files[0].path"),
        (CloudConfig(writeFiles: [.init(path: "/etc/../x", content: "x")]), "write_files[0].path"),
        (CloudConfig(writeFiles: [.init(path: "/etc/x", content: "x", permissions: 0o17777)]), "write_files[0].permissions"),
        (CloudConfig(writeFiles: [.init(path: "/etc/x", content: "x", owner: "a:b:c")]), "write_files[0].owner"),
        (CloudConfig(runcmd: [.argv([] as [String])]), "runcmd[0]"),
        (CloudConfig(runcmd: [.argv(["", "x"])]), "runcmd[0][0]"),
        (CloudConfig(bootcmd: [.shell("  ")]), "bootcmd[0]"),
        (CloudConfig(sshAuthorizedKeys: ["ssh-ed25519 AAAA\nssh-rsa BBBB"]), "ssh_authorized_keys[0]"),
        (CloudConfig(powerState: .init(mode: .reboot, delayMinutes: -1)), "power_state.delay"),
    ])
    func refused(config: CloudConfig, field: String) {
        #expect { try config.yaml() } throws: { ($0 as? CloudInitError)?.field == field }
    }

    @Test("permissions are octal strings", arguments: [
        (CloudConfig.FileMode(0o600), "0600"), (0o644, "0644"), (0o4755, "04755"), (0o7, "0007"), (0, "0000"),
    ])
    func fileModes(mode: CloudConfig.FileMode, text: String) {
        #expect(mode.description == text)
    }

    @Test("power_state delay: nil and 0 are 'now'")
    func delayNow() throws {
        let yaml = try CloudConfig(powerState: .init(mode: .reboot, delayMinutes: 0)).yaml()
        #expect(yaml.contains("delay: now\n"))
    }
}
