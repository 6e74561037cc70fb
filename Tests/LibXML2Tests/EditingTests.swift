import Testing

@testable import LibXML2

@Suite("Editing, with the exact text that results")
struct EditingTests {
    @Test("setText replaces all children with one text node")
    func setText() throws {
        let document = try parse("<a>\n  <name>old <b>bold</b></name>\n  <empty/>\n</a>")
        let name = try #require(document.root.firstChild(named: "name"))
        try name.setText("new & <improved>")
        try #require(document.root.firstChild(named: "empty")).setText("")
        #expect(document.serialized() == "<a>\n  <name>new &amp; &lt;improved&gt;</name>\n  <empty/>\n</a>\n")
        #expect(name.text == "new & <improved>")
        #expect(name.children.isEmpty)
    }

    @Test("setAttribute keeps an existing attribute's place, appends a new one, removes with nil")
    func setAttribute() throws {
        let document = try parse(#"<disk type="file" device="disk" snapshot="no"/>"#)
        let disk = document.root
        try disk.setAttribute("type", "volume")
        try disk.setAttribute("cache", "none")
        try disk.setAttribute("device", nil)
        try disk.setAttribute("absent", nil)
        #expect(document.serialized() == "<disk type=\"volume\" snapshot=\"no\" cache=\"none\"/>\n")
        #expect(disk.attributeNames == ["type", "snapshot", "cache"])
    }

    @Test("appendChild indents like the last sibling and keeps the end tag's indentation")
    func appendIndented() throws {
        let document = try parse(domainTemplate)
        let devices = try #require(document.root.firstChild(named: "devices"))
        let console = try devices.appendChild("console", text: "x", attributes: [("type", "pty"), ("tty", "/dev/pts/1")])
        #expect(console.parent == devices)
        #expect(document.serialized() == """
            <domain type="kvm">
              <name>old</name>
              <devices>
                <disk type="file" device="disk"/>
                <interface type="network"/>
                <console type="pty" tty="/dev/pts/1">x</console>
              </devices>
              <metadata/>
            </domain>

            """)
    }

    @Test("appendChild into an empty element indents one step deeper than the element")
    func appendIntoEmpty() throws {
        let document = try parse(domainTemplate)
        let metadata = try #require(document.root.firstChild(named: "metadata"))
        try metadata.appendChild("a")
        try metadata.appendChild("b")
        #expect(document.serialized() == """
            <domain type="kvm">
              <name>old</name>
              <devices>
                <disk type="file" device="disk"/>
                <interface type="network"/>
              </devices>
              <metadata>
                <a/>
                <b/>
              </metadata>
            </domain>

            """)
    }

    @Test("the indentation step follows the document: tabs stay tabs, four spaces stay four")
    func indentationStep() throws {
        let tabs = try parse("<a>\n\t<b>\n\t\t<c/>\n\t</b>\n\t<d></d>\n</a>")
        try #require(tabs.root.firstChild(named: "d")).appendChild("e")
        try #require(tabs.root.firstChild(named: "b")).appendChild("f")
        #expect(tabs.serialized() == "<a>\n\t<b>\n\t\t<c/>\n\t\t<f/>\n\t</b>\n\t<d>\n\t\t<e/>\n\t</d>\n</a>\n")

        let four = try parse("<a>\n    <b/>\n</a>")
        try four.root.firstChild(named: "b")!.appendChild("c")
        #expect(four.serialized() == "<a>\n    <b>\n        <c/>\n    </b>\n</a>\n")
    }

    @Test("a built document is indented with two spaces")
    func builtDocument() throws {
        let document = XMLDocument(rootName: "domain")
        try document.root.setAttribute("type", "qemu")
        try document.root.appendChild("name", text: "vm")
        let os = document.root.child("os")
        try os.appendChild("type", text: "hvm", attributes: [("arch", "x86_64")])
        #expect(document.serialized() == """
            <domain type="qemu">
              <name>vm</name>
              <os>
                <type arch="x86_64">hvm</type>
              </os>
            </domain>

            """)
    }

    @Test("appendChild on one line stays on one line; after a comment it goes after the comment")
    func appendUnindented() throws {
        let document = try parse("<os><type>hvm</type></os>")
        try document.root.appendChild("boot", attributes: [("dev", "hd")])
        #expect(document.serialized() == "<os><type>hvm</type><boot dev=\"hd\"/></os>\n")

        let commented = try parse("<devices>\n  <disk/>\n  <!-- NICs go here -->\n</devices>")
        try commented.root.appendChild("interface")
        #expect(commented.serialized() == "<devices>\n  <disk/>\n  <!-- NICs go here -->\n  <interface/>\n</devices>\n")

        let whitespaceOnly = try parse("<a>\n  <devices>\n\n  </devices>\n</a>")
        try whitespaceOnly.root.firstChild(named: "devices")!.appendChild("disk")
        #expect(whitespaceOnly.serialized() == "<a>\n  <devices>\n    <disk/>\n  </devices>\n</a>\n")
    }

    @Test("insertChild goes right before the sibling with the sibling's indentation")
    func insertChild() throws {
        let document = try parse(domainTemplate)
        let devices = try #require(document.root.firstChild(named: "devices"))
        let interface = try #require(devices.firstChild(named: "interface"))
        try devices.insertChild("controller", attributes: [("type", "usb")], before: interface)
        let name = try #require(document.root.firstChild(named: "name"))
        try document.root.insertChild("uuid", text: "u", before: name)
        #expect(document.serialized() == """
            <domain type="kvm">
              <uuid>u</uuid>
              <name>old</name>
              <devices>
                <disk type="file" device="disk"/>
                <controller type="usb"/>
                <interface type="network"/>
              </devices>
              <metadata/>
            </domain>

            """)
        let error = expectXMLError(.invalidArgument) { try document.root.insertChild("x", before: interface) }
        #expect(error?.message == "<interface> is not a child of <domain>")
    }

    @Test("insertChild(after:) goes right after the sibling with its indentation, also after the last child")
    func insertChildAfter() throws {
        let document = try parse(domainTemplate)
        let name = try #require(document.root.firstChild(named: "name"))
        try document.root.insertChild("uuid", text: "u", after: name)
        let metadata = try #require(document.root.firstChild(named: "metadata"))
        try document.root.insertChild("seclabel", attributes: [("type", "none")], after: metadata)
        let devices = try #require(document.root.firstChild(named: "devices"))
        try devices.insertChild("disk", attributes: [("type", "volume")], after: try #require(devices.firstChild(named: "disk")))
        #expect(document.serialized() == """
            <domain type="kvm">
              <name>old</name>
              <uuid>u</uuid>
              <devices>
                <disk type="file" device="disk"/>
                <disk type="volume"/>
                <interface type="network"/>
              </devices>
              <metadata/>
              <seclabel type="none"/>
            </domain>

            """)
        #expect(document.root.children.map(\.name) == ["name", "uuid", "devices", "metadata", "seclabel"])

        let oneLine = try parse("<os><type>hvm</type><boot dev='hd'/></os>")
        try oneLine.root.insertChild("kernel", text: "/k", after: try #require(oneLine.root.firstChild(named: "type")))
        #expect(oneLine.serialized() == "<os><type>hvm</type><kernel>/k</kernel><boot dev=\"hd\"/></os>\n")

        let interface = try #require(devices.firstChild(named: "interface"))
        let error = expectXMLError(.invalidArgument) { try document.root.insertChild("x", after: interface) }
        #expect(error?.message == "<interface> is not a child of <domain>")
    }

    @Test("child() returns the existing child or appends one")
    func child() throws {
        let document = try parse(domainTemplate)
        let existing = document.root.child("name")
        #expect(existing.text == "old")
        #expect(document.serialized() == domainTemplate)
        document.root.child("vcpu")
        #expect(document.serialized() == domainTemplate.replacingOccurrences(
            of: "  <metadata/>\n", with: "  <metadata/>\n  <vcpu/>\n"))
        #expect(document.root.child("vcpu") == document.root.firstChild(named: "vcpu"))
    }

    @Test("remove() takes the element's indentation with it")
    func remove() throws {
        let document = try parse(domainTemplate)
        let devices = try #require(document.root.firstChild(named: "devices"))
        try #require(devices.firstChild(named: "disk")).remove()
        #expect(document.serialized() == domainTemplate.replacingOccurrences(
            of: "    <disk type=\"file\" device=\"disk\"/>\n", with: ""))
        try #require(devices.firstChild(named: "interface")).remove()
        #expect(document.serialized() == """
            <domain type="kvm">
              <name>old</name>
              <devices>
              </devices>
              <metadata/>
            </domain>

            """)
        try devices.appendChild("disk")
        #expect(document.serialized() == domainTemplate.replacingOccurrences(
            of: "    <disk type=\"file\" device=\"disk\"/>\n    <interface type=\"network\"/>\n", with: "    <disk/>\n"))
    }

    @Test("removeChildren(named:) removes only matching children, namespace included")
    func removeChildren() throws {
        let document = try parse("<m xmlns:k=\"urn:k\">\n  <k:i/>\n  <i/>\n  <k:i/>\n  <other/>\n</m>")
        document.root.removeChildren(named: "i", namespaceURI: "urn:k")
        #expect(document.serialized() == "<m xmlns:k=\"urn:k\">\n  <i/>\n  <other/>\n</m>\n")
        document.root.removeChildren(named: "i")
        #expect(document.serialized() == "<m xmlns:k=\"urn:k\">\n  <other/>\n</m>\n")
    }

    @Test("appendCopy copies deeply, also from another document, and indents the copy")
    func appendCopy() throws {
        let document = try parse(domainTemplate)
        let devices = try #require(document.root.firstChild(named: "devices"))
        let other = try parse("<x>\n  <disk type=\"volume\">\n    <source pool=\"p\" volume=\"v\"/>\n  </disk>\n</x>")
        let copy = devices.appendCopy(of: try #require(other.root.firstChild(named: "disk")))
        try copy.child("source").setAttribute("volume", "w")
        let nic = devices.appendCopy(of: try #require(devices.firstChild(named: "interface")))
        try nic.setAttribute("type", "bridge")
        #expect(document.serialized() == """
            <domain type="kvm">
              <name>old</name>
              <devices>
                <disk type="file" device="disk"/>
                <interface type="network"/>
                <disk type="volume">
                  <source pool="p" volume="w"/>
                </disk>
                <interface type="bridge"/>
              </devices>
              <metadata/>
            </domain>

            """)
        #expect(other.serialized().contains("volume=\"v\""))
    }

    @Test("an element serializes on its own, as written")
    func elementSerialized() throws {
        let document = try parse(domainTemplate)
        let devices = try #require(document.root.firstChild(named: "devices"))
        #expect(devices.serialized() == """
            <devices>
                <disk type="file" device="disk"/>
                <interface type="network"/>
              </devices>
            """)
        #expect(try #require(devices.children.first).serialized() == "<disk type=\"file\" device=\"disk\"/>")
    }
}
