import CloudInit
import Foundation
import Testing

@Suite("Secrets")
struct SecretTests {
    static let value = "s3cr3t-join-token-0123456789abcdef"
    static let secret = Secret(value)

    /// A seed that carries the secret in every place one can go.
    static var seed: NoCloudSeed {
        var config = FullConfig.config
        config.writeFiles.append(.init(path: "/etc/kinvm/key", content: .secret(secret), permissions: 0o600))
        config.runcmd.append(.argv(["kubeadm", "join", "--token", .secret(secret)]))
        config.runcmd.append(.shell(secret: Secret("echo \(value) | kinvm-login")))
        config.users.append(.user(.init(name: "ops", hashedPassword: secret)))
        config.extra["kinvm_token"] = .secret(secret)
        return NoCloudSeed(
            metaData: MetaData(instanceID: "iid-1", localHostname: "worker-1"), userData: .cloudConfig(config),
            networkConfig: NetworkConfigTests.config, vendorData: .raw("#!/bin/sh\necho \(value)\n"))
    }

    static func texts<T>(_ subject: T) -> [String] {
        var dumped = ""
        dump(subject, to: &dumped)
        return [String(describing: subject), "\(subject)", String(reflecting: subject), dumped]
    }

    @Test("a Secret prints as <redacted> everywhere")
    func secretItself() {
        for text in Self.texts(Self.secret) {
            #expect(!text.contains(Self.value))
            #expect(text.contains("<redacted>"))
        }
        #expect(Self.secret.revealed == Self.value)
    }

    @Test("no description, interpolation or dump of the seed or its parts shows the secret")
    func seedAndParts() throws {
        let seed = Self.seed
        let config = try #require({ if case .cloudConfig(let config) = seed.userData { config } else { nil } }())
        let files = try seed.files()
        let subjects: [Any] = [
            seed, seed.userData, try #require(seed.vendorData), config, config.writeFiles, config.runcmd, config.users,
            config.extra, files, try ISO9660Image(files: files, recordedAt: Fixtures.time),
        ]
        for subject in subjects {
            for text in Self.texts(subject) {
                #expect(!text.contains(Self.value), "leaked in \(type(of: subject))")
            }
        }
    }

    @Test("the rendered files do carry the secret (so the tests above can fail)")
    func rendered() throws {
        let files = try Self.seed.files()
        let userData = String(decoding: try #require(files.first { $0.name == "user-data" }).contents, as: UTF8.self)
        #expect(userData.components(separatedBy: Self.value).count - 1 == 5)
        let vendorData = String(decoding: try #require(files.first { $0.name == "vendor-data" }).contents, as: UTF8.self)
        #expect(vendorData.contains(Self.value))
    }

    @Test("the redacted summary names files, sizes and kinds only")
    func summary() throws {
        let summary = Self.seed.redactedSummary
        let sizes = try Self.seed.files().map(\.contents.count)
        #expect(summary == """
            meta-data \(sizes[0]) B; user-data \(sizes[1]) B (cloud-config, 7 secrets); \
            network-config \(sizes[2]) B; vendor-data \(sizes[3]) B (raw, script)
            """)
        #expect(!summary.contains(Self.value))
    }

    @Test("an invalid seed's summary names the bad field, not its value")
    func invalidSummary() {
        var seed = Self.seed
        seed.metaData.localHostname = "bad_host_\(Self.value)"
        #expect(seed.redactedSummary.hasPrefix("meta-data invalid at local-hostname; user-data "))
        #expect(!seed.redactedSummary.contains(Self.value))
    }
}
