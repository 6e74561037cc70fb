/// Whether a connection verifies the API server before credentials are sent to it.
///
/// kinvm's promise is that it only talks to a server it has verified. A kubeconfig can ask for
/// less: a plain `http://` server, or `insecure-skip-tls-verify: true`. Bearer tokens and passwords
/// sent over such a connection can be read (and the answers changed) by anyone in between, so
/// kinvm refuses it unless the caller allowed it explicitly (kinvm's `--allow-insecure-server`),
/// and then the CLI warns.
extension ClusterAccess {
    /// Why this connection does not verify the server, or nil when it does. Says nothing secret.
    public var insecurity: String? {
        if server.lowercased().hasPrefix("http://") {
            return "its server \(server) is plain http://: requests and the credentials in them travel unencrypted "
                + "to a server that is not verified"
        }
        if insecureSkipTLSVerify {
            return "it sets insecure-skip-tls-verify: true: the API server's certificate is not checked, "
                + "so anyone in between can read the credentials sent to it"
        }
        return nil
    }

    /// Throws ``KubeError/Code/insecure`` when ``insecurity`` applies and the caller did not
    /// allow it; `origin` is the kubeconfig file of the cluster entry.
    public func checkTransport(origin: String) throws(KubeError) {
        guard let insecurity, !allowsInsecureTransport else { return }
        throw KubeError(
            code: .insecure,
            message: "cluster \"\(clusterName)\" in \(origin): \(insecurity); kinvm refuses such a connection unless it is allowed explicitly",
            context: origin)
    }
}
