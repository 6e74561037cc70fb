import Foundation
import Testing
import Yams

@testable import Provisioner

/// `cluster kubeconfig --merge` and its removal on delete: entries, current context, other content, file mode.
@Suite("KubeconfigMerge")
struct KubeconfigMergeTests {
    static let cluster = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: kinvm-lab
          cluster: {server: "https://192.168.150.10:6443", certificate-authority-data: Q0E=}
        users:
        - name: kinvm-lab
          user: {client-certificate-data: Q0VSVA==, client-key-data: S0VZ}
        contexts:
        - name: kinvm-lab
          context: {cluster: kinvm-lab, user: kinvm-lab}
        current-context: kinvm-lab

        """

    static let existing = """
        apiVersion: v1
        kind: Config
        preferences: {colors: true}
        clusters:
        - name: prod
          cluster: {server: "https://prod.example:6443"}
        - name: kinvm-lab
          cluster: {server: "https://stale:6443"}
        users:
        - name: prod
          user: {token: secret-token}
        contexts:
        - name: prod
          context: {cluster: prod, user: prod, namespace: web}
        current-context: prod

        """

    static func names(_ yaml: String, _ section: String) throws -> [String] {
        let node = try #require(try Yams.compose(yaml: yaml))
        return (node[section]?.sequence.map(Array.init) ?? []).compactMap { $0["name"]?.string }
    }

    @Test("merge replaces same-named entries, keeps the rest, switches the current context")
    func merge() throws {
        let merged = try KubeconfigMerge.merged(Self.cluster, into: Self.existing, path: "/x")
        #expect(try Self.names(merged, "clusters") == ["prod", "kinvm-lab"])
        #expect(try Self.names(merged, "users") == ["prod", "kinvm-lab"])
        #expect(try Self.names(merged, "contexts") == ["prod", "kinvm-lab"])
        let node = try #require(try Yams.compose(yaml: merged))
        #expect(node["current-context"]?.string == "kinvm-lab")
        #expect(node["preferences"]?["colors"]?.bool == true)
        #expect(node["clusters"]?[1]?["cluster"]?["server"]?.string == "https://192.168.150.10:6443")
        #expect(node["users"]?[0]?["user"]?["token"]?.string == "secret-token")
        #expect(node["contexts"]?[0]?["context"]?["namespace"]?.string == "web")

        // Merging twice is the same as once.
        #expect(try KubeconfigMerge.merged(Self.cluster, into: merged, path: "/x") == merged)
    }

    @Test("remove takes out exactly the cluster's entries and clears its current context")
    func remove() throws {
        let merged = try KubeconfigMerge.merged(Self.cluster, into: Self.existing, path: "/x")
        let removed = try #require(try KubeconfigMerge.removing(cluster: "lab", from: merged, path: "/x"))
        #expect(try Self.names(removed, "clusters") == ["prod"])
        #expect(try Self.names(removed, "users") == ["prod"])
        #expect(try Self.names(removed, "contexts") == ["prod"])
        #expect(try Yams.compose(yaml: removed)?["current-context"]?.string == "")
        // Nothing of the cluster's left: nothing to write.
        #expect(try KubeconfigMerge.removing(cluster: "lab", from: removed, path: "/x") == nil)
        // Another cluster's entries are not touched.
        #expect(try KubeconfigMerge.removing(cluster: "other", from: merged, path: "/x") == nil)
    }

    @Test("a missing file is created with mode 0600, in a new directory; removal edits it in place")
    func files() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-kubeconfig-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/.kube/config"
        try KubeconfigMerge.mergeFile(Self.cluster, path: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try Self.names(String(contentsOfFile: path, encoding: .utf8), "contexts") == ["kinvm-lab"])
        #expect(try KubeconfigMerge.removeFromFile(cluster: "lab", path: path))
        #expect(try Self.names(String(contentsOfFile: path, encoding: .utf8), "contexts") == [])
        #expect(try !KubeconfigMerge.removeFromFile(cluster: "lab", path: path))
        #expect(try !KubeconfigMerge.removeFromFile(cluster: "lab", path: directory + "/absent"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/.kube") == ["config"])
    }

    @Test("the target file: KUBECONFIG's first entry, else ~/.kube/config")
    func target() {
        #expect(KubeconfigMerge.targetPath(environment: ["KUBECONFIG": "/a:/b", "HOME": "/h"]) == "/a")
        #expect(KubeconfigMerge.targetPath(environment: ["KUBECONFIG": ":/b"]) == "/b")
        #expect(KubeconfigMerge.targetPath(environment: ["HOME": "/h"]) == "/h/.kube/config")
    }

    @Test("a kubeconfig with more than one context, or not YAML, is refused")
    func refusals() {
        #expect(throws: ProvisionerError.self) { try KubeconfigMerge.merged("contexts: [{name: a}, {name: b}]", into: nil, path: "/x") }
        #expect(throws: ProvisionerError.self) { try KubeconfigMerge.merged(Self.cluster, into: "[1, 2", path: "/x") }
    }

    static let marker = "MARKER-S3CRET-4711"

    static func temporaryDirectory() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-kubeconfig-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func mode(_ path: String) throws -> Int {
        try #require((FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue)
    }

    @Test("a kubeconfig that does not parse is reported by file, line and column, never with its text, and left alone")
    func unparsableFileIsNotQuoted() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/config"
        let broken = "apiVersion: v1\nusers:\n- name: kinvm-lab\n  user:\n    token: \(Self.marker): x\n"
        try broken.write(toFile: path, atomically: true, encoding: .utf8)
        // The test can fail: Yams' own message quotes the token's line.
        #expect(throws: (any Error).self) { try Yams.compose(yaml: broken) }
        do { _ = try Yams.compose(yaml: broken) } catch { #expect("\(error)".contains(Self.marker)) }
        func expectRefusal(_ what: String, _ body: () throws -> Void) {
            do {
                try body()
                Issue.record("\(what) edited the broken file")
            } catch let error as ProvisionerError {
                #expect(!error.description.contains(Self.marker), "\(error)")
                #expect(error.message.hasPrefix("kubeconfig \(path):5:"), "\(error.message)")
                #expect(error.message.contains("mapping values are not allowed"), "\(error.message)")
            } catch {
                Issue.record("\(what): \(type(of: error))")
            }
        }
        expectRefusal("removeFromFile") { _ = try KubeconfigMerge.removeFromFile(cluster: "lab", path: path) }
        expectRefusal("mergeFile") { try KubeconfigMerge.mergeFile(Self.cluster, path: path) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == broken)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["config"])
    }

    @Test("the credentials are written to a temporary file that is 0600 from the start; an existing file keeps its mode")
    func privateWrites() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/config"
        try Self.existing.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(chmod(path, 0o640) == 0)

        var seen: [(path: String, mode: Int, content: String)] = []
        try KubeconfigMerge.write("token: \(Self.marker)\n", to: path) { temporary in
            seen.append((temporary, (try? Self.mode(temporary)) ?? -1, (try? String(contentsOfFile: temporary, encoding: .utf8)) ?? ""))
        }
        let temporary = try #require(seen.first)
        #expect(temporary.mode == 0o600, "the temporary file was \(String(temporary.mode, radix: 8)) with the credentials in it")
        #expect(temporary.content.contains(Self.marker))
        #expect(temporary.path.hasPrefix(directory + "/.config.kinvm-"))
        #expect(try Self.mode(path) == 0o640)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "token: \(Self.marker)\n")

        // Through the public edits as well, with a mode a umask would not give.
        try Self.existing.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(chmod(path, 0o604) == 0)
        try KubeconfigMerge.mergeFile(Self.cluster, path: path)
        #expect(try Self.mode(path) == 0o604)
        #expect(try KubeconfigMerge.removeFromFile(cluster: "lab", path: path))
        #expect(try Self.mode(path) == 0o604)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["config"])

        // A new file is 0600.
        let fresh = directory + "/new/config"
        try KubeconfigMerge.mergeFile(Self.cluster, path: fresh)
        #expect(try Self.mode(fresh) == 0o600)
    }

    @Test("a symlinked kubeconfig is edited at its target and stays a symlink")
    func symlinkedFile() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.existing.write(toFile: directory + "/real", atomically: true, encoding: .utf8)
        #expect(chmod(directory + "/real", 0o640) == 0)
        try FileManager.default.createSymbolicLink(atPath: directory + "/config", withDestinationPath: directory + "/real")
        try KubeconfigMerge.mergeFile(Self.cluster, path: directory + "/config")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: directory + "/config") == directory + "/real")
        #expect(try Self.names(String(contentsOfFile: directory + "/real", encoding: .utf8), "contexts") == ["prod", "kinvm-lab"])
        #expect(try Self.mode(directory + "/real") == 0o640)
    }
}
