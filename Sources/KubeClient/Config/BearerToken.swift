import Foundation

/// The checks a bearer token passes before it goes into an `Authorization` header.
///
/// A token is one word: no whitespace, no line break, no control character. Anything else is
/// not a token (a file of several lines, a header injection `t\r\nX-Other: 1`), and the HTTP
/// client would refuse the header with an error that quotes it. The messages name the field and
/// the file, never the value.
enum BearerToken {
    /// A token file holds one token (a ServiceAccount token is about 1 KiB); more is not a token file.
    static let fileLimit = 64 * 1024

    /// Why `token` cannot be sent as a bearer token, without saying the token; nil when it can.
    static func problem(_ token: String) -> String? {
        let scalars = token.unicodeScalars
        if scalars.isEmpty { return "it is empty" }
        if scalars.contains(where: { $0 == "\r" || $0 == "\n" }) { return "it contains a line break" }
        if scalars.contains(where: { $0.properties.generalCategory == .control }) { return "it contains a control character" }
        if scalars.contains(where: \.properties.isWhitespace) { return "it contains whitespace" }
        return nil
    }

    /// The token of a `tokenFile`: read with ``fileLimit``, trimmed of surrounding whitespace (a
    /// final newline is usual; kubectl trims too), then checked. `field` names it in errors
    /// (`tokenFile of user "u" in /home/u/.kube/config`).
    static func read(file: String, field: String, origin: String) throws(KubeError) -> Redacted {
        let text: String
        switch BoundedFile.read(file, limit: fileLimit) {
        case .success(let content): text = content.trimmingCharacters(in: .whitespacesAndNewlines)
        case .failure(let failure): throw .config("cannot read \(field) (\(file)): \(failure)", file: origin)
        }
        if let problem = problem(text) {
            throw .config(
                "\(field) (\(file)) does not hold a bearer token: \(problem); it must hold one token on one line "
                    + "(the file's content is not shown)",
                file: origin)
        }
        return Redacted(text)
    }

    /// An inline `token`, checked.
    static func check(_ token: Redacted, field: String, origin: String) throws(KubeError) -> Redacted {
        if let problem = problem(token.revealed) {
            throw .config("\(field) is not a bearer token: \(problem) (the value is not shown)", file: origin)
        }
        return token
    }
}
