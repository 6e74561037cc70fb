import Testing

@testable import LibXML2

@Suite("Reading elements")
struct ReadingTests {
    static let text = """
        <domain type="kvm" id="3" xmlns:k="urn:k">
          <name>web</name>
          <!-- a comment is not an element -->
          <description>one <b>two</b> <![CDATA[three & <four>]]> &amp; five</description>
          <devices>
            <disk type="file" device="disk" k:role="root"/>
            <disk type="volume"/>
            <k:disk/>
          </devices>
        </domain>
        """

    @Test("names, namespaces, line numbers and parents")
    func identity() throws {
        let document = try parse(Self.text)
        let root = document.root
        #expect(root.name == "domain")
        #expect(root.namespaceURI == nil)
        #expect(root.prefix == nil)
        #expect(root.lineNumber == 1)
        #expect(root.parent == nil)
        let devices = try #require(root.firstChild(named: "devices"))
        #expect(devices.lineNumber == 5)
        #expect(devices.parent == root)
        let foreign = try #require(devices.firstChild(named: "disk", namespaceURI: "urn:k"))
        #expect(foreign.prefix == "k")
        #expect(foreign.namespaceURI == "urn:k")
        #expect(foreign.lineNumber == 8)
    }

    @Test("children are elements only, in order; by name they match the namespace exactly")
    func children() throws {
        let root = try parse(Self.text).root
        #expect(root.children.map(\.name) == ["name", "description", "devices"])
        let devices = try #require(root.firstChild(named: "devices"))
        #expect(devices.children.count == 3)
        #expect(devices.children(named: "disk").map { $0.attribute("type") } == ["file", "volume"])
        #expect(devices.children(named: "disk", namespaceURI: "urn:k").count == 1)
        #expect(devices.firstChild(named: "interface") == nil)
        #expect(root.firstChild(named: "devices") == root.children[2])
        #expect(root.firstChild(named: "devices") != root.children[0])
    }

    @Test("text concatenates descendants' text and CDATA, with references resolved")
    func text() throws {
        let root = try parse(Self.text).root
        #expect(try #require(root.firstChild(named: "name")).text == "web")
        #expect(try #require(root.firstChild(named: "description")).text == "one two three & <four> & five")
        #expect(try #require(root.firstChild(named: "devices")?.children.first).text == "")
    }

    @Test("attributes: values, namespaced lookup, names in document order")
    func attributes() throws {
        let root = try parse(Self.text).root
        #expect(root.attributeNames == ["type", "id"])
        #expect(root.attribute("type") == "kvm")
        #expect(root.attribute("missing") == nil)
        let disk = try #require(root.firstChild(named: "devices")?.children.first)
        #expect(disk.attributeNames == ["type", "device", "k:role"])
        #expect(disk.attribute("k:role") == "root")
        #expect(disk.attribute("role") == nil)
        #expect(disk.attribute("undeclared:role") == nil)
    }

    @Test("attribute values read back decoded")
    func attributeDecoding() throws {
        let root = try parse(#"<a v="&lt;&amp;&quot;&apos;&#10;&#x1F389;" w='say "hi"'/>"#).root
        #expect(root.attribute("v") == "<&\"'\n🎉")
        #expect(root.attribute("w") == "say \"hi\"")
    }
}
