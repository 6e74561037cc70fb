import Testing

@testable import LibXML2

/// Values that must reach the document as plain data: escaped on output, read back unchanged.
let hostileValues: [String] = [
    "<", "&", "\"", "'", ">", "]]>", "../../etc/passwd", "&amp;", "&foo;", "&#65;", "<a&b>\"'",
    "<!-- comment -->", "<![CDATA[x]]>", "</domain><domain>", "' onload='x", "\" injected=\"1",
    "$(rm -rf /); `id`", String(repeating: "x", count: 4096), String(repeating: "é🎉", count: 2048),
    "Grüße 日本語 🎉 👩‍👩‍👧", "tab\there", "new\nline", "carriage\rreturn", "\r\n", "  leading and trailing  ",
    "", "\u{7F}", "\u{85}", "\u{FFFD}", "\u{10FFFF}",
]

/// Characters XML 1.0 cannot carry at all, not even as character references.
let unrepresentableValues: [String] = [
    "\u{0}", "a\u{0}b", "\u{1}", "bell\u{7}", "\u{8}", "\u{B}", "\u{C}", "\u{1B}[31m", "\u{1F}", "\u{FFFE}", "\u{FFFF}",
]

@Suite("Hostile values")
struct HostileValueTests {
    /// Writes the document out and parses it again, as libvirt would.
    func reparsed(_ document: XMLDocument) throws -> XMLDocument {
        try XMLDocument(parsing: document.serialized(), source: "reparsed")
    }

    @Test("text round-trips exactly", arguments: hostileValues)
    func text(value: String) throws {
        let document = try parse("<domain>\n  <name>x</name>\n</domain>")
        try document.root.child("name").setText(value)
        #expect(document.root.child("name").text == value)
        let again = try reparsed(document)
        #expect(again.root.child("name").text == value)
        #expect(again.root.children.map(\.name) == ["name"])
    }

    @Test("attribute values round-trip exactly", arguments: hostileValues)
    func attribute(value: String) throws {
        let document = try parse("<domain type=\"kvm\"/>")
        try document.root.setAttribute("type", value)
        try document.root.setAttribute("extra", value)
        #expect(document.root.attribute("type") == value)
        let again = try reparsed(document)
        #expect(again.root.attribute("type") == value)
        #expect(again.root.attribute("extra") == value)
        #expect(again.root.attributeNames == ["type", "extra"])
    }

    @Test("appendChild's text and attributes round-trip exactly", arguments: hostileValues)
    func appended(value: String) throws {
        let document = try parse("<metadata/>")
        try document.root.appendChild(
            "instance", text: value, attributes: [("cluster", value)], namespaceURI: "https://kinvm.dev/xmlns/kinvm/1",
            prefix: "kinvm")
        let instance = try #require(try reparsed(document).root.children.first)
        #expect(instance.text == value)
        #expect(instance.attribute("cluster") == value)
        #expect(instance.attributeNames == ["cluster"])
    }

    @Test("markup-like values are escaped, not interpreted")
    func escaping() throws {
        let document = try parse("<a/>")
        try document.root.setText("<a&b>\"'")
        try document.root.setAttribute("v", "<a&b>\"'\t\n")
        #expect(document.serialized() == "<a v=\"&lt;a&amp;b&gt;&quot;'&#9;&#10;\">&lt;a&amp;b&gt;\"'</a>\n")
        try document.root.setText("]]>&amp;&foo;")
        #expect(document.serialized() == "<a v=\"&lt;a&amp;b&gt;&quot;'&#9;&#10;\">]]&gt;&amp;amp;&amp;foo;</a>\n")
    }

    @Test("characters XML cannot carry are refused and nothing changes", arguments: unrepresentableValues)
    func unrepresentable(value: String) throws {
        let document = try parse(domainTemplate)
        let name = document.root.child("name")
        let code = "U+" + String(value.unicodeScalars.first { !isXMLCharacter($0) }!.value, radix: 16, uppercase: true)
        let textError = expectXMLError(.invalidArgument) { try name.setText(value) }
        #expect(textError?.message == "text of <name> contains \(code), which XML 1.0 cannot represent")
        expectXMLError(.invalidArgument) { try name.setAttribute("a", value) }
        expectXMLError(.invalidArgument) { try document.root.appendChild("x", text: value) }
        expectXMLError(.invalidArgument) { try document.root.appendChild("x", attributes: [("ok", "1"), ("a", value)]) }
        expectXMLError(.invalidArgument) { try document.root.insertChild("x", text: value, before: name) }
        expectXMLError(.invalidArgument) { _ = try document.select("/domain" + value) }
        #expect(document.serialized() == domainTemplate)
    }

    @Test(
        "names that are not XML names are refused",
        arguments: ["", "1abc", "a b", "a>b", "a\"b", "<x", "a&b", "-x", "a/b", "\u{0}", "a:b:c", ":a", "a:"])
    func badNames(name: String) throws {
        let document = try parse(domainTemplate)
        expectXMLError(.invalidArgument) { try document.root.appendChild(name) }
        expectXMLError(.invalidArgument) { try document.root.setAttribute(name, "v") }
        expectXMLError(.invalidArgument) { try document.root.appendChild("ok", attributes: [(name, "v")]) }
        #expect(document.serialized() == domainTemplate)
    }

    @Test("namespace declarations and undeclared prefixes are refused as attribute names")
    func attributeNamespaces() throws {
        let document = try parse("<a xmlns:k=\"urn:k\"/>")
        let declaration = expectXMLError(.invalidArgument) { try document.root.setAttribute("xmlns", "urn:x") }
        #expect(declaration?.message == "xmlns is a namespace declaration, not an attribute")
        expectXMLError(.invalidArgument) { try document.root.setAttribute("xmlns:z", "urn:z") }
        let undeclared = expectXMLError(.invalidArgument) { try document.root.setAttribute("z:a", "1") }
        #expect(undeclared?.message == "the prefix of attribute z:a is not declared")
        try document.root.setAttribute("k:a", "1")
        try document.root.setAttribute("xml:lang", "en")
        #expect(document.serialized() == "<a xmlns:k=\"urn:k\" k:a=\"1\" xml:lang=\"en\"/>\n")
        #expect(document.root.attribute("k:a") == "1")
        #expect(document.root.attribute("xml:lang") == "en")
    }
}
