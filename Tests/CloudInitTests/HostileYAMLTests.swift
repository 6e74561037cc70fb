import CloudInit
import Testing
import Yams

/// Values that break naive YAML writers. Each must come back from the YAML exactly, as a string.
enum Hostile {
    static let values: [String] = [
        "key: value", "# not a comment", "a #b", "'single'", "\"double\"", "it's", "back\\slash",
        "line1\nline2", "trailing newline\n", "\n\nleading newlines", "two trailing\n\n", "crlf\r\nline", "cr\ronly",
        "- dash", "-", "--", "---", "...", "---\nnew: document", "? key", "*", "*alias", "&anchor", "!tag", "!!str x",
        "%directive", "@at", "`tick", "|", "| literal", "> folded", "{a: b}", "[a, b]", ",", "a, b",
        "ünïcødé 卷 😀", "\u{2028}line separator", "\u{85}next line", "\u{FEFF}bom", "tab\tinside", "\tleading tab",
        " leading space", "trailing space ", "spaces at line end  \nnext", "  indented\n  block\n", "",
        "yes", "no", "on", "off", "y", "n", "true", "False", "NULL", "null", "~", "<<", "=",
        "0644", "0o17", "0x1F", "0b101", "1_000", "1e3", "1.5", ".inf", "-.Inf", ".nan", "1:20", "190:20:30",
        "52:54:00:12:34:56", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "+5", "-1",
        "bell\u{7}", "nul\u{0}byte", "esc\u{1B}[31m", "del\u{7F}",
    ]

    /// A config that puts `value` everywhere free text is allowed.
    static func config(_ value: String) -> CloudConfig {
        CloudConfig(
            writeFiles: [.init(path: "/tmp/hostile", content: .text(value))],
            runcmd: [.argv(["printf", "%s", .plain(value)]), .shell(value.isEmpty ? "true" : value)],
            finalMessage: value,
            extra: ["kinvm_value": .string(value), "kinvm_list": [.string(value)], "kinvm_map": ["k": .string(value)]])
    }

    /// Yams' own parser drops a U+FEFF at the start of a scalar (PyYAML, which cloud-init uses,
    /// keeps it; the PyYAML test covers those values).
    static func yamsReadsBack(_ value: String) -> Bool { !value.hasPrefix("\u{FEFF}") }

    /// 64 KiB of text made of the hostile values, one per line.
    static let large: String = {
        var text = ""
        var index = 0
        while text.utf8.count < 64 * 1024 {
            text += values[index % values.count] + "\n"
            index += 1
        }
        return text
    }()
}

@Suite("Hostile YAML values")
struct HostileYAMLTests {
    @Test("come back from the YAML exactly, parsed by Yams", arguments: Hostile.values.filter(Hostile.yamsReadsBack))
    func yams(value: String) throws {
        let yaml = try Hostile.config(value).yaml()
        #expect(yaml.hasPrefix("#cloud-config\n"))
        let document = try #require(try Fixtures.load(yaml) as? [String: Any])
        let files = try #require(document["write_files"] as? [[String: Any]])
        #expect(files[0]["content"] as? String == value)
        let runcmd = try #require(document["runcmd"] as? [Any])
        #expect((runcmd[0] as? [String])?[2] == value)
        if !value.isEmpty { #expect(runcmd[1] as? String == value) }
        #expect(document["final_message"] as? String == value)
        #expect(document["kinvm_value"] as? String == value)
        #expect((document["kinvm_list"] as? [String]) == [value])
        #expect((document["kinvm_map"] as? [String: String])?["k"] == value)
    }

    @Test("come back from the YAML exactly, parsed by PyYAML as cloud-init does", .enabled(if: Tool.hasPyYAML, "needs python3-yaml"))
    func pyYAML() throws {
        let expressions = [
            "d['write_files'][0]['content']", "d['runcmd'][0][2]", "d['final_message']", "d['kinvm_list'][0]",
            "d['kinvm_map']['k']",
        ]
        let batch = try Hostile.values.map { (try Hostile.config($0).yaml(), expressions) }
        let results = try Fixtures.pyYAML(batch)
        for (value, row) in zip(Hostile.values, results) {
            #expect(row == Array(repeating: value, count: expressions.count), "\(value.debugDescription)")
        }
        #expect(results.count == Hostile.values.count)
    }

    @Test("as keys, they are refused or come back as the same text (Yams and PyYAML)")
    func keys() throws {
        var pythonBatch: [(yaml: String, expressions: [String])] = []
        var expected: [String] = []
        for key in Hostile.values.filter(Hostile.yamsReadsBack) {
            for nested in [false, true] {
                let config = nested ? CloudConfig(extra: ["nested": [key: "inner"]]) : CloudConfig(extra: [key: "top"])
                let yaml: String
                do {
                    yaml = try config.yaml()
                } catch {
                    #expect(error.field.hasPrefix("extra."))
                    continue
                }
                let document = try #require(try Fixtures.load(yaml) as? [String: Any])
                let found = nested ? (document["nested"] as? [String: String])?[key] : document[key] as? String
                #expect(found == (nested ? "inner" : "top"), "key \(key.debugDescription) did not come back as text")
                let lookup = "[\(pythonLiteral(key))]"
                pythonBatch.append((yaml, [nested ? "d['nested']" + lookup : "d" + lookup]))
                expected.append(nested ? "inner" : "top")
            }
        }
        #expect(expected.count >= 100, "most hostile keys are plain text and must be accepted")
        if Tool.hasPyYAML {
            #expect(try Fixtures.pyYAML(pythonBatch).map { $0[0] } == expected)
        }
    }

    @Test("keys YAML would read as something else are refused", arguments: [
        "yes", "No", "on", "true", "null", "~", "", "0644", "12", "1.5", "1:20", ".inf", "<<", "=", "2001-12-14",
    ])
    func refusedKeys(key: String) {
        #expect { try CloudConfig(extra: [key: "x"]).yaml() } throws: { ($0 as? CloudInitError)?.field == "extra.\(key)" }
        #expect { try CloudConfig(extra: ["outer": ["list": [[key: "x"]]]]).yaml() } throws: {
            ($0 as? CloudInitError)?.field == "extra.outer.list[0].\(key)"
        }
    }

    /// A Python string literal for `text` (through its UTF-32 code points, so nothing needs escaping).
    private func pythonLiteral(_ text: String) -> String {
        "''.join(map(chr, [\(text.unicodeScalars.map { String($0.value) }.joined(separator: ","))]))"
    }

    @Test("decoding and re-encoding is the identity", arguments: Hostile.values.filter(Hostile.yamsReadsBack))
    func decodeRoundTrip(value: String) throws {
        let yaml = try Hostile.config(value).yaml()
        #expect(try YAMLDecoder().decode(CloudConfig.self, from: yaml).yaml() == yaml)
    }

    @Test("a 64 KiB file content comes back exactly")
    func largeContent() throws {
        let config = CloudConfig(writeFiles: [.init(path: "/tmp/large", content: .text(Hostile.large))])
        let yaml = try config.yaml()
        let document = try #require(try Fixtures.load(yaml) as? [String: Any])
        let files = try #require(document["write_files"] as? [[String: Any]])
        #expect(files[0]["content"] as? String == Hostile.large)
        if Tool.hasPyYAML {
            #expect(try Fixtures.pyYAML(yaml, "d['write_files'][0]['content']") == Hostile.large)
        }
    }

    @Test("a 64 KiB base64 content decodes to the same bytes")
    func largeBinary() throws {
        let bytes = (0..<(64 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        let yaml = try CloudConfig(writeFiles: [.init(path: "/tmp/blob", content: .bytes(bytes))]).yaml()
        let decoded = try YAMLDecoder().decode(CloudConfig.self, from: yaml)
        #expect(decoded.writeFiles[0].content == .bytes(bytes))
    }

    @Test("hostile instance ids are refused (control characters, line breaks) or kept as strings")
    func metaData() throws {
        for value in Hostile.values where !value.isEmpty && Hostile.yamsReadsBack(value) {
            let yaml: String
            do {
                yaml = try MetaData(instanceID: value).yaml()
            } catch {
                #expect(value.unicodeScalars.contains { $0.properties.generalCategory == .control })
                continue
            }
            let document = try #require(try Fixtures.load(yaml) as? [String: Any])
            #expect(document["instance-id"] as? String == value)
        }
    }
}
