import Crypto
import Foundation
import SwiftASN1
import X509

/// The cluster CA: a self-signed ECDSA P-256 certificate that signs the serving certificate,
/// client certificates and approved CSRs.
struct CertificateAuthority: Sendable {
    let certificate: Certificate
    let privateKey: Certificate.PrivateKey
    let certificatePEM: String

    init(commonName: String = "kubernetes", now: Date = Date()) throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        let publicKey = Certificate.PublicKey(key.publicKey)
        certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: publicKey)
            },
            issuerPrivateKey: Certificate.PrivateKey(key))
        privateKey = Certificate.PrivateKey(key)
        certificatePEM = try certificate.serializeAsPEM().pemString + "\n"
    }

    /// What a signed certificate is for.
    enum Usage: Sendable {
        case server(subjectAlternativeNames: [String])
        case client
    }

    /// Signs a certificate for `publicKey` with the given subject.
    func issue(
        publicKey: Certificate.PublicKey, commonName: String, organizations: [String], usage: Usage,
        validity: TimeInterval = 365 * 86400, now: Date = Date()
    ) throws -> Certificate {
        let subject = try DistinguishedName {
            for organization in organizations { OrganizationName(organization) }
            CommonName(commonName)
        }
        let authorityKeyID = try certificate.extensions.subjectKeyIdentifier?.keyIdentifier
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
            AuthorityKeyIdentifier(keyIdentifier: authorityKeyID)
            if case .server(let names) = usage {
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names.map(CertificateAuthority.generalName))
            } else {
                try ExtendedKeyUsage([.clientAuth])
            }
        }
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(validity),
            issuer: certificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions, issuerPrivateKey: privateKey)
    }

    /// A new key pair and a certificate for it, both PEM.
    func issueKeyPair(commonName: String, organizations: [String], usage: Usage) throws -> (certificatePEM: String, keyPEM: String) {
        let key = P256.Signing.PrivateKey()
        let cert = try issue(publicKey: Certificate.PublicKey(key.publicKey), commonName: commonName, organizations: organizations, usage: usage)
        return (try cert.serializeAsPEM().pemString + "\n", key.pemRepresentation + "\n")
    }

    /// Whether `certificate` was signed by this CA.
    func signed(_ candidate: Certificate) -> Bool {
        candidate.issuer == certificate.subject && certificate.publicKey.isValidSignature(candidate.signature, for: candidate)
    }

    /// An IP address SAN for dotted quads, a DNS name otherwise.
    static func generalName(_ name: String) -> GeneralName {
        let octets = name.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
        if octets.count == 4, name.split(separator: ".").count == 4 {
            return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(octets)))
        }
        return .dnsName(name)
    }
}

/// The subject fields Kubernetes reads from a certificate: user = CN, groups = O.
struct CertificateIdentity: Sendable, Equatable {
    var commonName: String
    var organizations: [String]

    init(_ name: DistinguishedName) {
        var commonName = ""
        var organizations: [String] = []
        for rdn in name {
            for attribute in rdn {
                if attribute.type == .RDNAttributeType.commonName { commonName = String(attribute.value) ?? "" }
                if attribute.type == .RDNAttributeType.organizationName, let value = String(attribute.value) {
                    organizations.append(value)
                }
            }
        }
        self.commonName = commonName
        self.organizations = organizations
    }
}
