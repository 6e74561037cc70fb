import AsyncHTTPClient
import NIOCore
import NIOSSL

/// The TLS configuration for a cluster, and how transport failures read.
enum TLSSettings {
    /// The kubeconfig's CA as the only trust root (else the system's), the client certificate and key,
    /// TLS 1.2 or later; verification off only for an explicit insecure-skip-tls-verify.
    static func configuration(for access: ClusterAccess) throws(KubeError) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        let place = "cluster \"\(access.clusterName)\" in \(access.source)"
        if access.insecureSkipTLSVerify {
            tls.certificateVerification = .none
        } else if let pem = access.caCertificatePEM {
            do {
                let roots = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
                guard !roots.isEmpty else { throw NIOSSLError.failedToLoadCertificate }
                tls.trustRoots = .certificates(roots)
            } catch {
                throw .config("the certificate authority of \(place) is not a PEM certificate: \(error)", file: access.source)
            }
        }
        if case .clientCertificate(let certificatePEM, let keyPEM) = access.credentials {
            let owner = "user \"\(access.userName)\" in \(access.source)"
            do {
                let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8))
                guard !chain.isEmpty else { throw NIOSSLError.failedToLoadCertificate }
                tls.certificateChain = chain.map { .certificate($0) }
            } catch {
                throw .config("the client certificate of \(owner) is not a PEM certificate: \(error)", file: access.source)
            }
            do {
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(keyPEM.revealed.utf8), format: .pem))
            } catch {
                throw .config("the client key of \(owner) is not a PEM private key (EC or RSA): \(error)", file: access.source)
            }
        }
        do {
            _ = try NIOSSLContext(configuration: tls)
        } catch {
            throw .config("cannot use the TLS settings of context \"\(access.contextName)\" in \(access.source): \(error)", file: access.source)
        }
        return tls
    }

    /// A failure below HTTP as a KubeError: TLS, timeout, cancellation or transport, naming the server.
    static func classify(_ error: any Error, context: String, access: ClusterAccess, timeout: Duration) -> KubeError {
        if let error = error as? KubeError { return error }
        if error is CancellationError {
            return KubeError(code: .cancelled, message: "cancelled", context: context)
        }
        if let error = error as? HTTPClientError {
            // shortDescription, never description: that one prints associated values, e.g. the
            // header values of invalidHeaderFieldValues, which include the Authorization header.
            let reason = error.shortDescription
            switch error {
            case .cancelled:
                return KubeError(code: .cancelled, message: "cancelled", context: context)
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .getConnectionFromPoolTimeout:
                return KubeError(
                    code: .timeout, message: "no answer from \(access.server) within \(timeout) (\(reason))", context: context)
            default:
                return KubeError(code: .transport, message: "cannot talk to \(access.server): \(reason)", context: context)
            }
        }
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            let name = access.tlsServerName.map { "tls-server-name \"\($0)\"" } ?? "the server's host"
            return KubeError(
                code: .tls,
                message: "TLS handshake with \(access.server) failed: the server's certificate does not name \(name) (\(error))",
                context: context)
        }
        if error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError {
            let text = String(describing: error)
            let message: String
            if text.contains("CERTIFICATE_VERIFY_FAILED") {
                let trust =
                    access.caCertificatePEM == nil
                    ? "the system's trust roots (the kubeconfig gives no certificate-authority for cluster \"\(access.clusterName)\")"
                    : "the kubeconfig's CA (certificate-authority of cluster \"\(access.clusterName)\" in \(access.source))"
                message = "TLS handshake with \(access.server) failed: the server's certificate is not trusted by \(trust): \(text)"
            } else {
                message = "TLS handshake with \(access.server) failed: \(text)"
            }
            return KubeError(code: .tls, message: message, context: context)
        }
        if let error = error as? IOError {
            return KubeError(code: .transport, message: "cannot connect to \(access.server): \(error)", context: context)
        }
        return KubeError(code: .transport, message: "cannot talk to \(access.server): \(error)", context: context)
    }
}
