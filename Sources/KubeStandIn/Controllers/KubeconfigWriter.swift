import Foundation

/// Kubeconfig YAML with every value quoted as a JSON string (a valid YAML double-quoted scalar).
enum KubeconfigWriter {
    static func quote(_ text: String) -> String {
        JSON.string(text).serializedString
    }

    /// The bootstrap kubeconfig of `cluster-info`: one unnamed cluster, no users or contexts,
    /// in the shape kubeadm writes.
    static func clusterInfo(server: String, caCertificatePEM: String) -> String {
        """
        apiVersion: v1
        clusters:
        - cluster:
            certificate-authority-data: \(quote(Data(caCertificatePEM.utf8).base64EncodedString()))
            server: \(quote(server))
          name: ""
        contexts: null
        current-context: ""
        kind: Config
        preferences: {}
        users: null

        """
    }

    /// An admin kubeconfig: cluster "standin", user "kubernetes-admin", context "standin".
    static func admin(server: String, caCertificatePEM: String, certificatePEM: String, keyPEM: String) -> String {
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: standin
          cluster:
            server: \(quote(server))
            certificate-authority-data: \(quote(Data(caCertificatePEM.utf8).base64EncodedString()))
        users:
        - name: kubernetes-admin
          user:
            client-certificate-data: \(quote(Data(certificatePEM.utf8).base64EncodedString()))
            client-key-data: \(quote(Data(keyPEM.utf8).base64EncodedString()))
        contexts:
        - name: standin
          context:
            cluster: standin
            user: kubernetes-admin
        current-context: standin
        preferences: {}

        """
    }
}
