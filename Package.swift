// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "kinvm",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Libvirt", targets: ["Libvirt"]),
        .library(name: "LibXML2", targets: ["LibXML2"]),
        .library(name: "CloudInit", targets: ["CloudInit"]),
        .executable(name: "kinvm", targets: ["kinvm"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // The libvirt C API (apt: libvirt-dev). Only `Libvirt` imports it.
        .systemLibrary(
            name: "CLibvirt",
            path: "Sources/CLibvirt",
            pkgConfig: "libvirt",
            providers: [.apt(["libvirt-dev"])]
        ),
        // The Swift binding: connections, domains, networks, storage, streams, events.
        .target(
            name: "Libvirt",
            dependencies: [
                "CLibvirt",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The libxml2 C API (apt: libxml2-dev). Only `LibXML2` imports it.
        .systemLibrary(name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        // A safe document API over libxml2: parse, edit, serialize, XPath, RelaxNG validation.
        .target(name: "LibXML2", dependencies: ["CLibXML2"]),
        // Domain specs applied to libvirt XML templates; validation against libvirt's schemas.
        .target(name: "DomainTemplates", dependencies: ["LibXML2"]),
        // NoCloud seeds for cloud-init: meta-data, cloud-config, network-config, and the ISO 9660 image.
        .target(name: "CloudInit", dependencies: [.product(name: "Yams", package: "Yams")]),
        // The Kubernetes API subset kinvm needs: kubeconfig, TLS, Nodes, Pods, Eviction, Secrets.
        .target(
            name: "KubeClient",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Test support: a stand-in Kubernetes API server (TLS, authn, resourceVersion, eviction).
        .target(
            name: "KubeStandIn",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The stand-in API server as a program (kubectl checks, guests, demos).
        .executableTarget(
            name: "kube-standin",
            dependencies: ["KubeStandIn", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Provisioning: base images in storage pools (import, list, delete), guests from specs.
        .target(name: "Provisioner", dependencies: ["Libvirt", "DomainTemplates", "CloudInit", "LibXML2", "KubeClient", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Yams", package: "Yams"), .product(name: "Logging", package: "swift-log")]),
        // The command-line tool.
        .executableTarget(
            name: "kinvm",
            dependencies: [
                "Libvirt",
                "DomainTemplates",
                "LibXML2",
                "Provisioner",
                "KubeClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Benchmarks: programs that print measurements (see Benchmarks/README.md).
        .executableTarget(
            name: "kinvm-bench",
            dependencies: ["Libvirt"],
            path: "Benchmarks/kinvm-bench"
        ),
        .executableTarget(
            name: "libvirt-c-bench",
            dependencies: ["CLibvirt"],
            path: "Benchmarks/libvirt-c-bench"
        ),
        .testTarget(
            name: "LibvirtTests",
            dependencies: ["Libvirt"]
        ),
        .testTarget(name: "LibXML2Tests", dependencies: ["LibXML2"]),
        .testTarget(name: "CloudInitTests", dependencies: ["CloudInit"]),
        .testTarget(name: "ProvisionerTests", dependencies: ["Provisioner", "Libvirt", "CloudInit", "DomainTemplates", "LibXML2", "KubeClient", "KubeStandIn", "KinvmTestSupport"]),
        .testTarget(name: "KubeClientTests", dependencies: ["KubeClient", "KubeStandIn", "KinvmTestSupport"]),
        .testTarget(name: "KubeStandInTests", dependencies: ["KubeStandIn"]),
        // The guest-side stand-ins (Tests/Support/standin-node) run on the host against the stand-in server.
        .testTarget(name: "StandInNodeTests", dependencies: ["KubeStandIn"]),
        .testTarget(
            name: "DomainTemplatesTests",
            dependencies: ["DomainTemplates", "LibXML2"],
            exclude: ["Golden", "ForeignTemplates"]
        ),
        // Runs the real kinvm binary and tests its pure parts.
        .testTarget(
            name: "KinvmCLITests",
            dependencies: ["kinvm", "Libvirt", "LibXML2", "KubeStandIn", "KinvmTestSupport", .product(name: "Yams", package: "Yams")]
        ),
        // Test support shared by test targets: a machine-wide limit on heavy guests booted at
        // once, and host files for libvirt's test driver.
        .target(name: "KinvmTestSupport", path: "Tests/KinvmTestSupport"),
        // Boot real guests on a real libvirtd; run by scripts/test.sh (KINVM_INTEGRATION=1).
        .testTarget(
            name: "LibvirtIntegrationTests",
            dependencies: ["Libvirt", "DomainTemplates", "LibXML2", "CloudInit", "Provisioner", "KubeClient", "KubeStandIn", "KinvmTestSupport"]
        ),
    ]
)
