/// Kubeconfigs for tests that feed kinvm broken or hostile credentials.
public enum KubeconfigFixture {
    /// A kubeconfig with one cluster `c`, user `u` and context `c`; `cluster` and `user` are the
    /// entries' bodies (indented YAML lines), `server` the cluster's URL (default: a loopback port
    /// nothing listens on).
    public static func kubeconfig(user: String, server: String = "https://127.0.0.1:1", cluster: String = "") -> String {
        """
        apiVersion: v1
        kind: Config
        current-context: c
        clusters:
        - name: c
          cluster:
            server: "\(server)"
        \(cluster)
        users:
        - name: u
          user:
        \(user)
        contexts:
        - name: c
          context: {cluster: c, user: u}
        """
    }
}
