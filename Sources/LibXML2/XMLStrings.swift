internal import CLibXML2

// Conversions between Swift strings and libxml2's `xmlChar *` (UTF-8 bytes), and the checks that
// keep values XML 1.0 can carry. Every `xmlChar *` libxml2 hands over is freed with `xmlFree`.

/// Takes ownership of a string libxml2 allocated (NULL allowed), copies it and frees it (`xmlFree`).
func takeXMLString(_ pointer: UnsafeMutablePointer<xmlChar>?) -> String? {
    guard let pointer else { return nil }
    defer { kinvm_xmlFree(pointer) }
    return String(cString: pointer)
}

/// Copies a string libxml2 still owns (NULL allowed).
func borrowXMLString(_ pointer: UnsafePointer<xmlChar>?) -> String? {
    pointer.map { String(cString: $0) }
}

/// Calls `body` with `text` as a NUL-terminated `xmlChar *`.
func withXMLString<Result>(_ text: String, _ body: (UnsafePointer<xmlChar>) -> Result) -> Result {
    text.withCString { pointer in
        pointer.withMemoryRebound(to: xmlChar.self, capacity: text.utf8.count + 1, body)
    }
}

/// Calls `body` with `text` as a NUL-terminated `xmlChar *`, or NULL.
func withOptionalXMLString<Result>(_ text: String?, _ body: (UnsafePointer<xmlChar>?) -> Result) -> Result {
    guard let text else { return body(nil) }
    return withXMLString(text) { body($0) }
}

/// Whether a scalar may appear in an XML 1.0 document (production `Char`): tab, newline, carriage
/// return, and everything from U+0020 except U+FFFE and U+FFFF. Swift strings cannot hold lone
/// surrogates, so those need no check.
func isXMLCharacter(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x9, 0xA, 0xD: true
    case 0x20...0xFFFD: true
    case 0x10000...0x10FFFF: true
    default: false
    }
}

/// Checks that a text or attribute value can be written as XML 1.0; most control characters
/// (including NUL) cannot, not even as character references.
func checkValue(_ value: String, what: String, source: String) throws(XMLError) {
    if let bad = value.unicodeScalars.first(where: { !isXMLCharacter($0) }) {
        let code = "U+" + String(bad.value, radix: 16, uppercase: true)
        throw .invalidArgument("\(what) contains \(code), which XML 1.0 cannot represent", source: source)
    }
}

/// Traps unless `name` is an NCName: for names that come from the program, never from data, where
/// a bad one is a programming error like an index out of range.
func requireName(_ name: String, what: String) {
    do throws(XMLError) {
        try checkName(name, what: what, source: "")
    } catch {
        preconditionFailure(error.message)
    }
}

/// Checks an element or attribute name: an NCName (`xmlValidateNCName`), or with `qualified`, a
/// QName such as `kinvm:instance` (`xmlValidateQName`).
func checkName(_ name: String, what: String, qualified: Bool = false, source: String) throws(XMLError) {
    let status = withXMLString(name) { qualified ? xmlValidateQName($0, 0) : xmlValidateNCName($0, 0) }
    if status != 0 || name.isEmpty || name.utf8.contains(0) {
        throw .invalidArgument("\(what) \"\(name)\" is not a valid XML name", source: source)
    }
}

/// Whether a node is a text node holding only blanks: the indentation between elements.
func isWhitespaceText(_ node: xmlNodePtr?) -> Bool {
    guard let node, node.pointee.type == XML_TEXT_NODE else { return false }
    guard let content = node.pointee.content else { return true }
    var index = 0
    while content[index] != 0 {
        switch content[index] {
        case 0x20, 0x09, 0x0A, 0x0D: index += 1
        default: return false
        }
    }
    return true
}
