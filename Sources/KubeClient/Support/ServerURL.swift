/// Server URLs as kinvm shows and keeps them: without the user name and password a URL may carry
/// (`https://user:PASSWORD@host:6443`).
///
/// kubectl shows such a URL with its password replaced; kinvm goes further and never keeps the
/// userinfo at all (it never sent it: credentials come from the kubeconfig's user entry). Both
/// functions work on any text, also one that is not a valid URL, because the messages that show a
/// bad URL are exactly the ones that must not leak it.
public enum ServerURL {
    /// `text` with the userinfo of its authority replaced by `REDACTED`, for messages about a URL
    /// as it was written: `https://REDACTED@host:6443/prefix`.
    public static func redacted(_ text: String) -> String {
        replacingUserInfo(in: text, with: "REDACTED@")
    }

    /// `text` with the userinfo of its authority removed: `https://host:6443/prefix`.
    public static func removingUserInfo(_ text: String) -> String {
        replacingUserInfo(in: text, with: "")
    }

    /// The authority is what follows `scheme://` (or the start, when there is no scheme) up to the
    /// first `/`, `?` or `#`; its userinfo is everything up to its last `@`.
    private static func replacingUserInfo(in text: String, with replacement: String) -> String {
        let start = text.range(of: "://")?.upperBound ?? text.startIndex
        let end = text[start...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? text.endIndex
        guard let at = text[start..<end].lastIndex(of: "@") else { return text }
        return String(text[..<start]) + replacement + String(text[text.index(after: at)...])
    }
}
