// The only XML this module builds itself is the one-element snippets of `virNetworkUpdate`
// (see Network+Update.swift); everything larger goes through the project's XML layer.

/// Escapes a string for use as an XML attribute value in single or double quotes: the five
/// predefined entities, plus tab, newline and carriage return as character references (an XML
/// parser would otherwise normalise them to spaces).
func xmlAttributeEscaped(_ value: String) -> String {
    var result = ""
    result.reserveCapacity(value.utf8.count)
    for character in value.unicodeScalars {
        switch character {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&apos;"
        case "\t": result += "&#9;"
        case "\n": result += "&#10;"
        case "\r": result += "&#13;"
        default: result.unicodeScalars.append(character)
        }
    }
    return result
}
