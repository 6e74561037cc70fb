import CloudInit
import Testing
import Yams

@Suite("UserData validation and SSH keys")
struct UserDataValidationTests {
    static let key1 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOnlyForTests1 a@b"
    static let key2 = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIOnlyForTests2"

    /// The ``CloudInitError`` `body` throws (nil when it succeeds or throws something else).
    static func error(_ body: () throws -> Void) -> CloudInitError? {
        do {
            try body()
            return nil
        } catch {
            return error as? CloudInitError
        }
    }

    @Test(
        "raw user-data starting with a marker cloud-init knows is accepted",
        arguments: [
            "#cloud-config\nhostname: a\n", "#cloud-config\n", "#!/bin/sh\necho hi\n", "#include\nhttp://127.0.0.1/x\n",
            "#cloud-boothook\n#!/bin/sh\ntrue\n", "Content-Type: multipart/mixed; boundary=x\n\n--x--\n",
            "## template: jinja\n#cloud-config\nhostname: {{ v1.local_hostname }}\n",
        ])
    func accepted(text: String) throws {
        try UserData.raw(text).validate()
    }

    @Test("empty or unknown raw user-data is refused with a clear reason and no content")
    func refused() throws {
        let empty = try #require(Self.error { try UserData.raw("").validate() })
        #expect(empty.reason.contains("it is empty"))
        #expect(Self.error { try UserData.raw(" \n\n").validate() } != nil)
        let other = try #require(Self.error { try UserData.raw("hostname: x\npassword: hunter2\n").validate() })
        #expect(other.reason.contains("cloud-init would ignore it"))
        #expect(other.reason.contains("#cloud-config"))
        #expect(!other.description.contains("hunter2"))
    }

    @Test("a #cloud-config must be a YAML mapping; errors give line and column, never the text")
    func cloudConfigYAML() throws {
        let broken = "#cloud-config\nhostname: a\nusers:\n  - name: x\n   bad: [1, 2\npassword: hunter2\n"
        let error = try #require(Self.error { try UserData.raw(broken).validate() })
        #expect(error.reason.contains("not valid YAML"))
        #expect(error.reason.contains("line "))
        #expect(error.reason.contains("column "))
        #expect(!error.description.contains("hunter2"))
        let list = try #require(Self.error { try UserData.raw("#cloud-config\n- a\n- b\n").validate() })
        #expect(list.reason.contains("must be a YAML mapping"))
        #expect(list.reason.contains("a list"))
        let scalar = try #require(Self.error { try UserData.raw("#cloud-config\njust text\n").validate() })
        #expect(scalar.reason.contains("a single value"))
        let tab = try #require(Self.error { try UserData.raw("#cloud-config\na: 1\n\tb: 2\n").validate() })
        #expect(tab.reason.contains("line 3"), "\(tab)")
    }

    @Test("keys go into a typed cloud-config's ssh_authorized_keys, after its own")
    func typedKeys() throws {
        let data = UserData.cloudConfig(CloudConfig(hostname: "w", sshAuthorizedKeys: [Self.key1]))
        guard case .cloudConfig(let config) = try data.addingSSHKeys([Self.key2]) else {
            Issue.record("kind changed")
            return
        }
        #expect(config.sshAuthorizedKeys == [Self.key1, Self.key2])
        #expect(try data.addingSSHKeys([]) == data)
    }

    @Test("keys are appended to a raw #cloud-config, which keeps its other keys and header")
    func rawKeys() throws {
        let text = "#cloud-config\n# a comment\nhostname: w\nssh_authorized_keys:\n  - \(Self.key1)\nruncmd:\n  - [echo, 'yes']\n"
        let merged = try UserData.raw(text).addingSSHKeys([Self.key2, "ssh-rsa AAAA: tricky: 'quote\" # x"])
        let rendered = try merged.rendered()
        #expect(rendered.hasPrefix("#cloud-config\n"))
        let parsed = try #require(try Yams.load(yaml: rendered) as? [String: Any])
        #expect(parsed["hostname"] as? String == "w")
        #expect(parsed["ssh_authorized_keys"] as? [String] == [Self.key1, Self.key2, "ssh-rsa AAAA: tricky: 'quote\" # x"])
        #expect((parsed["runcmd"] as? [[String]]) == [["echo", "yes"]])
        try merged.validate()

        let without = try UserData.raw("#cloud-config\nhostname: w\n").addingSSHKeys([Self.key1])
        let parsedWithout = try #require(try Yams.load(yaml: try without.rendered()) as? [String: Any])
        #expect(parsedWithout["ssh_authorized_keys"] as? [String] == [Self.key1])
        let empty = try UserData.raw("#cloud-config\n").addingSSHKeys([Self.key1])
        #expect(try empty.rendered().contains(Self.key1))
    }

    @Test("keys cannot be added to scripts, to a non-list ssh_authorized_keys, or as several lines")
    func keysRefused() throws {
        let script = try #require(Self.error { _ = try UserData.raw("#!/bin/sh\ntrue\n").addingSSHKeys([Self.key1]) })
        #expect(script.reason.contains("SSH keys can only be added to cloud-config user-data"))
        let scalar = try #require(Self.error {
            _ = try UserData.raw("#cloud-config\nssh_authorized_keys: one\n").addingSSHKeys([Self.key1])
        })
        #expect(scalar.reason.contains("is not a list"))
        let twoLines = try #require(Self.error {
            _ = try UserData.raw("#cloud-config\n").addingSSHKeys(["ssh-rsa A\nruncmd: [reboot]"])
        })
        #expect(twoLines.field == "ssh_authorized_keys[0]")
        let broken = try #require(Self.error { _ = try UserData.raw("#cloud-config\na: [\n").addingSSHKeys([Self.key1]) })
        #expect(broken.reason.contains("not valid YAML"))
    }
}
