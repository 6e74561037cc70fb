import Foundation
import Testing

@testable import LibXML2

/// Parses `text`, failing the test with the parse error if it is not well-formed.
func parse(_ text: String, source: String = "test.xml") throws -> XMLDocument {
    try XMLDocument(parsing: text, source: source)
}

/// Runs `body`, expecting it to throw an `XMLError` of `kind`, and returns that error.
@discardableResult
func expectXMLError(
    _ kind: XMLError.Kind, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> XMLError? {
    do {
        try body()
        Issue.record("expected a \(kind) error, got none", sourceLocation: sourceLocation)
        return nil
    } catch let error as XMLError {
        #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected an XMLError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// A fresh directory under the system's temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("kinvm-xml-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The template most editing tests start from: two-space indentation, libvirt-like.
let domainTemplate = """
    <domain type="kvm">
      <name>old</name>
      <devices>
        <disk type="file" device="disk"/>
        <interface type="network"/>
      </devices>
      <metadata/>
    </domain>

    """
