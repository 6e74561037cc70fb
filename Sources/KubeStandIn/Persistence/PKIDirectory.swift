import Crypto
import Foundation
import X509

/// The key pairs a server runs with: the cluster CA, the serving certificate and the admin's
/// client certificate. Fresh ones in memory, or those of a ``PKIDirectory``.
struct ServerCredentials: Sendable {
    var authority: CertificateAuthority
    var serving: (certificatePEM: String, keyPEM: String)
    var admin: (certificatePEM: String, keyPEM: String)

    static func make(_ configuration: StandInConfiguration) throws -> ServerCredentials {
        if let directory = configuration.pkiDirectory {
            return try PKIDirectory(path: directory).loadOrCreate(subjectAlternativeNames: configuration.subjectAlternativeNames)
        }
        let authority = try CertificateAuthority()
        return ServerCredentials(
            authority: authority,
            serving: try authority.issueKeyPair(
                commonName: "kube-apiserver", organizations: [], usage: .server(subjectAlternativeNames: configuration.subjectAlternativeNames)),
            admin: try authority.issueKeyPair(commonName: "kubernetes-admin", organizations: ["system:masters"], usage: .client))
    }
}

/// A directory of PEM files in kubeadm's names (`ca.crt`/`ca.key`, `apiserver.crt`/`apiserver.key`,
/// `admin.crt`/`admin.key`; keys 0600, directory 0700). What exists is loaded, what is missing is
/// created and stored, so a restarted server keeps its CA and every certificate it ever issued
/// stays valid. The serving certificate is issued again when its SANs differ from the requested
/// ones or it expires within a day.
struct PKIDirectory {
    var path: String

    func loadOrCreate(subjectAlternativeNames: [String], now: Date = Date()) throws -> ServerCredentials {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let authority: CertificateAuthority
        if let pair = try read("ca") {
            authority = try CertificateAuthority(certificatePEM: pair.certificatePEM, keyPEM: pair.keyPEM)
        } else {
            authority = try CertificateAuthority(now: now)
            try store("ca", (authority.certificatePEM, try authority.privateKey.serializeAsPEM().pemString + "\n"))
        }
        let wanted = subjectAlternativeNames.map(CertificateAuthority.generalName)
        let serving = try loadOrIssue("apiserver", authority: authority, now: now) { certificate in
            (try? certificate.extensions.subjectAlternativeNames).map { Array($0) == wanted } ?? false
        } issue: {
            try authority.issueKeyPair(commonName: "kube-apiserver", organizations: [], usage: .server(subjectAlternativeNames: subjectAlternativeNames))
        }
        let admin = try loadOrIssue("admin", authority: authority, now: now) { _ in true } issue: {
            try authority.issueKeyPair(commonName: "kubernetes-admin", organizations: ["system:masters"], usage: .client)
        }
        return ServerCredentials(authority: authority, serving: serving, admin: admin)
    }

    /// The stored pair `NAME.crt`/`NAME.key` when it is signed by `authority`, still valid for a
    /// day and `acceptable`; otherwise a new one from `issue`, stored.
    private func loadOrIssue(
        _ name: String, authority: CertificateAuthority, now: Date, acceptable: (Certificate) -> Bool,
        issue: () throws -> (certificatePEM: String, keyPEM: String)
    ) throws -> (certificatePEM: String, keyPEM: String) {
        if let pair = try read(name), let certificate = try? Certificate(pemEncoded: pair.certificatePEM),
            authority.signed(certificate), certificate.notValidAfter > now.addingTimeInterval(86400), acceptable(certificate)
        {
            return pair
        }
        let pair = try issue()
        try store(name, pair)
        return pair
    }

    private func read(_ name: String) throws -> (certificatePEM: String, keyPEM: String)? {
        let certificate = "\(path)/\(name).crt"
        let key = "\(path)/\(name).key"
        let manager = FileManager.default
        guard manager.fileExists(atPath: certificate), manager.fileExists(atPath: key) else { return nil }
        do {
            return (try String(contentsOfFile: certificate, encoding: .utf8), try String(contentsOfFile: key, encoding: .utf8))
        } catch {
            throw PersistenceError(description: "cannot read \(name).crt/\(name).key in \(path): \(error)")
        }
    }

    private func store(_ name: String, _ pair: (certificatePEM: String, keyPEM: String)) throws {
        // The key first: a certificate without its key would be useless after a crash in between.
        try AtomicFile.write(Data(pair.keyPEM.utf8), to: "\(path)/\(name).key", mode: 0o600)
        try AtomicFile.write(Data(pair.certificatePEM.utf8), to: "\(path)/\(name).crt", mode: 0o644)
    }
}

extension CertificateAuthority {
    /// A CA from its stored certificate and private key (PEM).
    init(certificatePEM: String, keyPEM: String) throws {
        let certificate = try Certificate(pemEncoded: certificatePEM)
        let key = try Certificate.PrivateKey(pemEncoded: keyPEM)
        guard certificate.publicKey == key.publicKey else {
            throw PersistenceError(description: "the CA key does not match the CA certificate")
        }
        self.certificate = certificate
        self.privateKey = key
        self.certificatePEM = try certificate.serializeAsPEM().pemString + "\n"
    }
}

/// A PKI directory or state file that cannot be read or written.
struct PersistenceError: Error, CustomStringConvertible {
    var description: String
}
