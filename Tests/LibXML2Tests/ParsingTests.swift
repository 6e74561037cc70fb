import Foundation
import Testing

@testable import LibXML2

@Suite("Parsing and serializing")
struct ParsingTests {
    @Test("a tag mismatch is a parse error with line, column and a compiler-style description")
    func tagMismatch() throws {
        let text = "<domain>\n  <devices>\n    <disk/>\n</domain>\n"
        let error = try #require(expectXMLError(.parse) { _ = try XMLDocument(parsing: text, source: "k8s-node.xml") })
        #expect(error.line == 4)
        #expect(error.column == 10)
        #expect(error.source == "k8s-node.xml")
        #expect(error.message == "Opening and ending tag mismatch: devices line 2 and domain")
        #expect(error.description == "k8s-node.xml:4:10: parse error: Opening and ending tag mismatch: devices line 2 and domain")
    }

    @Test(
        "malformed documents are refused",
        arguments: [
            ("", "Document is empty"),
            ("<a>", "Premature end of data in tag a line 1"),
            ("<a><b:c/></a>", "Namespace prefix b on c is not defined"),
            ("<a>\u{1}</a>", "PCDATA invalid Char value 1"),
            ("<a x='1' x='2'/>", "Attribute x redefined"),
            ("<a>&undefined;</a>", "Entity 'undefined' not defined"),
            ("<a/><b/>", "Extra content at the end of the document"),
        ])
    func malformed(text: String, message: String) throws {
        let error = try #require(expectXMLError(.parse) { _ = try XMLDocument(parsing: text) })
        #expect(error.message == message)
        #expect(error.source == "<input>")
        #expect(error.line == 1)
    }

    @Test("a document in libxml2's own style round-trips byte for byte")
    func exactRoundTrip() throws {
        let text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- a template, written by hand -->
            <domain xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0" type="kvm" id="7">


            \t<name>k8s-node</name>   <!-- trailing comment -->
                <memory unit="KiB">2097152</memory>
              <description>Grüße, 日本語, emoji 🎉 &amp; &lt;tags&gt;</description>
              <unknown-element zeta="z" alpha="a" middle="m"><nested>  spaced  </nested></unknown-element>
              <script><![CDATA[if a < b && c > d then ]]></script>
              <?kinvm keep this processing instruction?>
              <qemu:commandline>
                <qemu:arg value="-S"/>
              </qemu:commandline>
            </domain>

            """
        #expect(try parse(text).serialized() == text)
    }

    @Test("what libxml2's tree cannot keep is normalized, and only that")
    func knownNormalizations() throws {
        let text = """
            <?xml version='1.0'?>
            <domain type='qemu' xmlns:q='urn:q'>
              <empty></empty>
              <tag   spaced = "1"
                  wrapped="2" />
              <text>a > b &#65; &#x42;</text>\r
            </domain>
            """
        let expected = """
            <?xml version="1.0" encoding="UTF-8"?>
            <domain xmlns:q="urn:q" type="qemu">
              <empty/>
              <tag spaced="1" wrapped="2"/>
              <text>a &gt; b A B</text>
            </domain>

            """
        #expect(try parse(text).serialized() == expected)
    }

    @Test("the XML declaration is written back only when the text had one")
    func declaration() throws {
        #expect(try parse("<a/>\n").serialized() == "<a/>\n")
        #expect(try parse("\u{FEFF}<a/>").serialized() == "<a/>\n")
        #expect(try parse("<?xml version=\"1.0\"?>\n<a/>").serialized() == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a/>\n")
        #expect(try parse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>é</a>").serialized()
            == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>é</a>\n")
    }

    @Test("a file is read in the encoding it declares and errors name its path")
    func fromFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let latin1 = directory.appendingPathComponent("latin1.xml")
        try Data("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<name>Gr".utf8 + [0xFC] + Data("n</name>\n".utf8))
            .write(to: latin1)
        let document = try XMLDocument(contentsOfFile: latin1.path)
        #expect(document.root.text == "Grün")
        #expect(document.source == latin1.path)

        let broken = directory.appendingPathComponent("broken.xml")
        try Data("<domain>\n  <name>x</nam>\n</domain>\n".utf8).write(to: broken)
        let error = try #require(expectXMLError(.parse) { _ = try XMLDocument(contentsOfFile: broken.path) })
        #expect(error.description.hasPrefix("\(broken.path):2:"))

        let missing = directory.appendingPathComponent("missing.xml").path
        let ioError = try #require(expectXMLError(.io) { _ = try XMLDocument(contentsOfFile: missing) })
        #expect(ioError.source == missing)
        #expect(ioError.message == "cannot open \(missing): No such file or directory")
        expectXMLError(.io) { _ = try XMLDocument(contentsOfFile: directory.path) }
    }

    @Test("external entities are never loaded (XXE)", arguments: ["secret", "/etc/hostname"])
    func externalEntities(target: String) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let secret = "kinvm-secret-\(UUID().uuidString)"
        let secretFile = directory.appendingPathComponent("secret.txt")
        try Data(secret.utf8).write(to: secretFile)
        let url = target == "secret" ? secretFile.absoluteString : target
        let entities = "<!ENTITY leak SYSTEM \"\(url)\">\n<!ENTITY % remote SYSTEM \"\(url)\">\n"
        let body = "<domain><name>&leak;</name><title a=\"x\">&leak;</title></domain>\n"
        let document = try parse("<!DOCTYPE domain [\n\(entities)%remote;\n]>\n" + body)
        // The entity stays a reference; the parameter entity reference is dropped from the subset.
        #expect(document.serialized() == "<!DOCTYPE domain [\n\(entities)]>\n" + body)
        #expect(document.root.text == "")
        #expect(try document.evaluateString("string(/domain/name)") == "")
        #expect(!document.serialized().contains(secret))
    }

    @Test("an entity expansion bomb is refused rather than expanded")
    func billionLaughs() throws {
        var subset = "<!ENTITY l0 \"lol\">\n"
        for level in 1...9 {
            subset += "<!ENTITY l\(level) \"" + String(repeating: "&l\(level - 1);", count: 10) + "\">\n"
        }
        let error = expectXMLError(.parse) { _ = try XMLDocument(parsing: "<!DOCTYPE a [\(subset)]>\n<a>&l9;</a>") }
        #expect(error?.message == "Detected an entity reference loop")
    }

    @Test("copy() is independent of the original")
    func copyIsIndependent() throws {
        let original = try parse(domainTemplate)
        let copy = original.copy()
        try copy.root.child("name").setText("new")
        #expect(original.serialized() == domainTemplate)
        #expect(copy.serialized() == domainTemplate.replacingOccurrences(of: ">old<", with: ">new<"))
        #expect(copy.source == original.source)
    }
}
