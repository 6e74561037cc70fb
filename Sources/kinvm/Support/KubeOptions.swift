import ArgumentParser
import Foundation
import KubeClient

/// Which cluster: the kubeconfig and context, as kubectl takes them, and whether a connection
/// that does not verify the API server may be used. Shared by every command that reads a user's
/// kubeconfig to talk to its cluster.
struct KubeOptions: ParsableArguments {
    /// The environment's form of ``allowInsecureServer`` (for scripts that cannot add a flag).
    static let allowInsecureVariable = "KINVM_ALLOW_INSECURE_SERVER"

    @Option(help: ArgumentHelp("The kubeconfig file (default: $KUBECONFIG, several files merged, else ~/.kube/config).", valueName: "file"))
    var kubeconfig: String?

    @Option(help: "The kubeconfig context (default: its current-context).")
    var context: String?

    @Flag(
        help: ArgumentHelp(
            "Allow an API server the kubeconfig reaches over http:// or with insecure-skip-tls-verify; a warning is printed.",
            discussion: "Without it such a cluster is refused: the credentials sent to it could be read on the way. Also $\(allowInsecureVariable)=1."))
    var allowInsecureServer = false

    /// The flag, or the environment variable set to 1 or true.
    var insecureAllowed: Bool {
        if allowInsecureServer { return true }
        let value = ProcessInfo.processInfo.environment[Self.allowInsecureVariable]?.lowercased()
        return value == "1" || value == "true"
    }

    /// The resolved cluster access; a bad kubeconfig is one stderr line and exit 1. An allowed
    /// insecure connection is warned about here, once per command.
    func access() throws -> ClusterAccess {
        let access: ClusterAccess
        do throws(KubeError) {
            access = try Kubeconfig.load(explicitPath: kubeconfig).resolve(context: context, allowInsecure: insecureAllowed)
        } catch {
            Terminal.error("\(error)\(Self.hint(error)); nothing was changed")
            throw ExitCode.failure
        }
        if let insecurity = access.insecurity {
            Terminal.progress("warning: cluster \"\(access.clusterName)\" (\(access.source)): \(insecurity); allowed by --allow-insecure-server or $\(Self.allowInsecureVariable)")
        }
        return access
    }

    /// How to get past a refused insecure connection, for that error.
    static func hint(_ error: KubeError) -> String {
        error.code == .insecure ? " (--allow-insecure-server or \(allowInsecureVariable)=1 allows it)" : ""
    }
}
