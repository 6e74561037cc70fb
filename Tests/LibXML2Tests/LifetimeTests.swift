import Testing

@testable import LibXML2

@Suite("Lifetime")
struct LifetimeTests {
    /// Builds a document in a scope of its own and returns only an element of it.
    func elementOfDroppedDocument() throws -> (XMLElement, XMLElement) {
        let document = try parse(domainTemplate)
        let devices = try #require(document.root.firstChild(named: "devices"))
        return (devices, try #require(devices.firstChild(named: "disk")))
    }

    @Test("elements keep their document alive after the document variable is gone")
    func elementsKeepDocument() throws {
        let (devices, disk) = try elementOfDroppedDocument()
        #expect(disk.attribute("type") == "file")
        try devices.appendChild("console")
        #expect(devices.parent?.name == "domain")
        #expect(devices.document.serialized().contains("    <console/>\n  </devices>"))
    }

    @Test("a document is freed once its last element is gone")
    func documentIsFreed() throws {
        weak var weakDocument: XMLDocument?
        var element: XMLElement? = try {
            let document = try parse(domainTemplate)
            weakDocument = document
            return document.root.child("name")
        }()
        #expect(weakDocument != nil)
        #expect(element?.text == "old")
        element = nil
        #expect(weakDocument == nil)
    }

    @Test("removed elements and their descendants stay usable, detached")
    func removedElementsStayValid() throws {
        let document = try parse(domainTemplate)
        let devices = try #require(document.root.firstChild(named: "devices"))
        let disk = try #require(devices.firstChild(named: "disk"))
        devices.remove()
        devices.remove()
        disk.remove()
        #expect(devices.parent == nil)
        #expect(disk.parent == nil)
        #expect(disk.attribute("type") == "file")
        try disk.setAttribute("type", "volume")
        #expect(disk.serialized() == "<disk type=\"volume\" device=\"disk\"/>")
        #expect(devices.children.map(\.name) == ["interface"])
        #expect(document.serialized() == "<domain type=\"kvm\">\n  <name>old</name>\n  <metadata/>\n</domain>\n")
    }

    @Test("setText detaches element children that are still referenced")
    func setTextDetaches() throws {
        let document = try parse(domainTemplate)
        let disk = try #require(document.root.firstChild(named: "devices")?.firstChild(named: "disk"))
        try document.root.setText("flat")
        #expect(disk.attribute("device") == "disk")
        #expect(document.serialized() == "<domain type=\"kvm\">flat</domain>\n")
    }
}
