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
        // Provisioning: base images in storage pools (import, list, delete), guests from specs.
        .target(name: "Provisioner", dependencies: ["Libvirt", "DomainTemplates", "CloudInit", "LibXML2", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log")]),
        // The command-line tool.
        .executableTarget(
            name: "kinvm",
            dependencies: [
                "Libvirt",
                "DomainTemplates",
                "LibXML2",
                "Provisioner",
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
        .testTarget(name: "ProvisionerTests", dependencies: ["Provisioner", "Libvirt", "CloudInit", "DomainTemplates", "LibXML2"]),
        .testTarget(
            name: "DomainTemplatesTests",
            dependencies: ["DomainTemplates", "LibXML2"],
            exclude: ["Golden"]
        ),
        // Runs the real kinvm binary and tests its pure parts.
        .testTarget(
            name: "KinvmCLITests",
            dependencies: ["kinvm", "Libvirt", "LibXML2", .product(name: "Yams", package: "Yams")]
        ),
        // Boot real guests on a real libvirtd; run by scripts/test.sh (KINVM_INTEGRATION=1).
        .testTarget(
            name: "LibvirtIntegrationTests",
            dependencies: ["Libvirt", "DomainTemplates", "LibXML2", "CloudInit", "Provisioner"]
        ),
    ]
)
