import KubeClient

extension ProvisionerError {
    /// A failed Kubernetes API call while doing `what`; kinvm's code follows the API's answer
    /// (not found, timeout, cancelled), anything else is ``Code/kubernetes``.
    static func kube(_ what: String, _ error: KubeError) -> ProvisionerError {
        let code: Code =
            switch error.code {
            case .notFound: .notFound
            case .timeout: .timeout
            case .cancelled: .cancelled
            default: .kubernetes
            }
        return ProvisionerError(code, "\(what): \(error)")
    }
}
