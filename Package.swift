// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "kinvm",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Libvirt", targets: ["Libvirt"]),
        .executable(name: "kinvm", targets: ["kinvm"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
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
        // The command-line tool.
        .executableTarget(
            name: "kinvm",
            dependencies: [
                "Libvirt",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
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
        // Runs the real kinvm binary and tests its pure parts.
        .testTarget(
            name: "KinvmCLITests",
            dependencies: ["kinvm", .product(name: "Yams", package: "Yams")]
        ),
        // Boot real guests on a real libvirtd; run by scripts/test.sh (KINVM_INTEGRATION=1).
        .testTarget(
            name: "LibvirtIntegrationTests",
            dependencies: ["Libvirt"]
        ),
    ]
)
