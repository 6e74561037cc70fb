import Testing

@testable import LibXML2

@Suite("XPath")
struct XPathTests {
    static let text = """
        <domain type="kvm">
          <name>web</name>
          <devices>
            <disk type="file"><target dev="vda"/></disk>
            <disk type="volume"><target dev="vdb"/></disk>
            <interface type="network"/>
          </devices>
        </domain>
        """

    @Test("select returns elements in document order; first and evaluateString agree")
    func select() throws {
        let document = try parse(Self.text)
        let disks = try document.select("/domain/devices/disk")
        #expect(disks.map { $0.attribute("type") } == ["file", "volume"])
        #expect(try document.select("//target").map { $0.attribute("dev") } == ["vda", "vdb"])
        #expect(try document.select("//disk[target/@dev='vdb']") == [disks[1]])
        #expect(try document.first("//disk") == disks[0])
        #expect(try document.first("//controller") == nil)
        #expect(try document.select("//controller").isEmpty)
        #expect(try document.select("domain/name").map(\.text) == ["web"])
        #expect(try document.evaluateString("/domain/name") == "web")
        #expect(try document.evaluateString("count(//disk)") == "2")
        #expect(try document.evaluateString("//disk/@type") == "file")
        #expect(try document.evaluateString("/domain/missing") == "")
        #expect(try document.evaluateString("concat(/domain/@type, '-', 1 + 1)") == "kvm-2")
    }

    @Test("select keeps only element nodes")
    func onlyElements() throws {
        let document = try parse(Self.text)
        #expect(try document.select("//@type").isEmpty)
        #expect(try document.select("/domain/name/text() | /domain/name").map(\.name) == ["name"])
        #expect(try document.select("/domain/devices/node()").map(\.name) == ["disk", "disk", "interface"])
    }

    @Test(
        "malformed expressions are .xpath errors with the position",
        arguments: [
            ("/domain/[", "Invalid expression", 9),
            ("//disk[@type='file'", "Invalid predicate", 20),
            ("count(//disk", "Invalid expression", 13),
            ("k:instance", "Undefined namespace prefix", 11),
            ("//disk[nosuchfunction()]", "Unregistered function", 25),
        ])
    func malformed(expression: String, message: String, column: Int) throws {
        let document = try parse(Self.text, source: "node.xml")
        let error = try #require(expectXMLError(.xpath) { _ = try document.select(expression) })
        #expect(error.message == "\(message) at character \(column) of \"\(expression)\"")
        #expect(error.column == column)
        #expect(error.source == "node.xml")
        expectXMLError(.xpath) { _ = try document.evaluateString(expression) }
    }

    @Test("select refuses an expression that does not select nodes")
    func notANodeSet() throws {
        let document = try parse(Self.text)
        let error = expectXMLError(.xpath) { _ = try document.select("count(//disk)") }
        #expect(error?.message == "\"count(//disk)\" does not select nodes")
    }

    @Test("an error in one call does not leak into the next")
    func errorsDoNotLeak() throws {
        let document = try parse(Self.text)
        expectXMLError(.xpath) { _ = try document.select("/[") }
        #expect(try document.select("/domain").count == 1)
        expectXMLError(.parse) { _ = try XMLDocument(parsing: "<a>") }
        #expect(try parse("<a/>").root.name == "a")
    }
}
