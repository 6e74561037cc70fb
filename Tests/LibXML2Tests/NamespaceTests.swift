import Testing

@testable import LibXML2

@Suite("Namespaces")
struct NamespaceTests {
    static let kinvm = "https://kinvm.dev/xmlns/kinvm/1"

    @Test("kinvm's metadata element: written, found by XPath, serialized on its own")
    func metadata() throws {
        let document = try parse(domainTemplate)
        let metadata = document.root.child("metadata")
        let instance = try metadata.appendChild(
            "instance", attributes: [("cluster", "c1"), ("role", "worker")], namespaceURI: Self.kinvm, prefix: "kinvm")
        #expect(instance.name == "instance")
        #expect(instance.prefix == "kinvm")
        #expect(instance.namespaceURI == Self.kinvm)
        #expect(document.serialized().contains(
            "  <metadata>\n    <kinvm:instance xmlns:kinvm=\"\(Self.kinvm)\" cluster=\"c1\" role=\"worker\"/>\n  </metadata>\n"))
        let namespaces = ["k": Self.kinvm]
        #expect(try document.evaluateString("/domain/metadata/k:instance/@cluster", namespaces: namespaces) == "c1")
        #expect(try document.first("//k:instance", namespaces: namespaces) == instance)
        #expect(metadata.firstChild(named: "instance", namespaceURI: Self.kinvm) == instance)
        #expect(metadata.firstChild(named: "instance") == nil)
        let reparsed = try parse(document.serialized())
        #expect(try reparsed.evaluateString("/domain/metadata/kinvm:instance/@cluster", namespaces: ["kinvm": Self.kinvm]) == "c1")
    }

    @Test("a declaration in scope is reused; a different prefix or URI gets its own")
    func reuse() throws {
        let document = try parse("<metadata xmlns:kinvm=\"\(Self.kinvm)\"/>")
        try document.root.appendChild("a", namespaceURI: Self.kinvm, prefix: "kinvm")
        try document.root.appendChild("b", namespaceURI: Self.kinvm)
        try document.root.appendChild("c", namespaceURI: Self.kinvm, prefix: "other")
        try document.root.appendChild("d", namespaceURI: "urn:other", prefix: "kinvm")
        try document.root.appendChild("e", namespaceURI: "urn:default")
        #expect(document.serialized() == """
            <metadata xmlns:kinvm="\(Self.kinvm)">
              <kinvm:a/>
              <kinvm:b/>
              <other:c xmlns:other="\(Self.kinvm)"/>
              <kinvm:d xmlns:kinvm="urn:other"/>
              <e xmlns="urn:default"/>
            </metadata>

            """)
        let again = try parse(document.serialized())
        #expect(again.root.children.map { $0.namespaceURI } == [Self.kinvm, Self.kinvm, Self.kinvm, "urn:other", "urn:default"])
    }

    @Test("a child in no namespace under a default namespace says so with xmlns=\"\"")
    func noNamespaceUnderDefault() throws {
        let document = try parse("<r xmlns=\"urn:d\"><x/></r>")
        let plain = try document.root.appendChild("plain")
        #expect(plain.namespaceURI == nil)
        #expect(document.serialized() == "<r xmlns=\"urn:d\"><x/><plain xmlns=\"\"/></r>\n")
        let again = try parse(document.serialized())
        #expect(again.root.children.map(\.namespaceURI) == ["urn:d", nil])
    }

    @Test("an element serialized on its own declares the namespaces it inherits")
    func standalone() throws {
        let document = try parse("<metadata xmlns:k=\"\(Self.kinvm)\"><k:instance k:a=\"1\"><k:node/></k:instance></metadata>")
        let instance = try #require(document.root.children.first)
        #expect(instance.serialized() == "<k:instance xmlns:k=\"\(Self.kinvm)\" k:a=\"1\"><k:node/></k:instance>")
        #expect(document.serialized() == "<metadata xmlns:k=\"\(Self.kinvm)\"><k:instance k:a=\"1\"><k:node/></k:instance></metadata>\n")
    }

    @Test("a built document can have a namespaced root")
    func namespacedRoot() throws {
        let document = XMLDocument(rootName: "instance", namespaceURI: Self.kinvm, prefix: "kinvm")
        try document.root.setAttribute("cluster", "c1")
        try document.root.appendChild("node", namespaceURI: Self.kinvm, prefix: "kinvm")
        #expect(document.serialized() == "<kinvm:instance xmlns:kinvm=\"\(Self.kinvm)\" cluster=\"c1\">\n  <kinvm:node/>\n</kinvm:instance>\n")
        #expect(document.root.namespaceURI == Self.kinvm)
    }

    @Test("bad namespace arguments are refused")
    func badArguments() throws {
        let document = try parse("<a/>")
        expectXMLError(.invalidArgument) { try document.root.appendChild("x", prefix: "p") }
        expectXMLError(.invalidArgument) { try document.root.appendChild("x", namespaceURI: "", prefix: "p") }
        expectXMLError(.invalidArgument) { try document.root.appendChild("x", namespaceURI: "urn:x", prefix: "xmlns") }
        expectXMLError(.invalidArgument) { try document.root.appendChild("x", namespaceURI: "urn:x", prefix: "a b") }
        #expect(document.serialized() == "<a/>\n")
    }
}
