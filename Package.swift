// swift-tools-version: 6.1
// PISim: a private-inference simulator.
//
// Set PISIM_BENCHMARKS=1 to add the benchmark executable (`swift run -c release
// PISimBenchmarks`); the default build and CI stay free of it.

import Foundation
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

/// AVX2 (x86-64-v3) for the keystream's vector code: without per-lane variable shifts
/// (SSE2) LLVM scalarises ChaCha20's rotations. Every x86-64 CPU since 2013–2015 has it.
#if arch(x86_64)
let vectorSettings: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-mavx2"])]
#else
let vectorSettings: [SwiftSetting] = []
#endif
/// The keystream is optimised in debug builds too: unoptimised SIMD code is two orders of
/// magnitude slower, and every share the tests draw comes from it.
let optimisedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "PISim",
    products: [
        .executable(name: "pisim", targets: ["pisim"]),
        .library(name: "Arithmetic", targets: ["Arithmetic"]),
        .library(name: "Randomness", targets: ["Randomness"]),
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "Backend", targets: ["Backend"]),
        .library(name: "Approximation", targets: ["Approximation"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CGMP",
            providers: [.apt(["libgmp-dev"]), .brew(["gmp"])]
        ),
        .target(name: "Randomness", swiftSettings: strictSettings + vectorSettings + optimisedInDebug),
        .target(name: "Arithmetic", dependencies: ["CGMP", "Randomness"], swiftSettings: strictSettings),
        .target(name: "Tensors", dependencies: ["Arithmetic"], swiftSettings: strictSettings + vectorSettings),
        .target(name: "Backend", dependencies: ["Arithmetic", "Randomness", "Tensors", "CostModel"], swiftSettings: strictSettings),
        .target(name: "Approximation", dependencies: ["Backend", "Arithmetic", "Tensors"], swiftSettings: strictSettings),
        .target(name: "Plotting", swiftSettings: strictSettings),
        .target(name: "CostModel", swiftSettings: strictSettings),
        .target(name: "TwoParty", dependencies: ["Arithmetic", "Randomness", "Tensors", "Backend", "CostModel"], swiftSettings: strictSettings),
        .target(name: "Transformer", dependencies: ["Approximation", "Backend", "Tensors", "Randomness", "Arithmetic"], swiftSettings: strictSettings),
        .target(name: "Homomorphic", dependencies: ["Arithmetic", "Backend", "CostModel", "Randomness", "Tensors"], swiftSettings: strictSettings),
        .target(
            name: "Scenario",
            dependencies: ["TwoParty", "Homomorphic", "Transformer", "Approximation", "Backend", "CostModel", "Tensors", "Arithmetic", "Randomness",
                           .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        .target(name: "Reports", dependencies: ["Approximation", "Backend", "Plotting", "Scenario", "CostModel"], swiftSettings: strictSettings),
        .executableTarget(
            name: "pisim",
            dependencies: [
                "Arithmetic", "Approximation", "Backend", "Plotting", "Reports", "Scenario", "TwoParty", "CostModel", "Tensors", "Transformer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "RandomnessTests", dependencies: ["Randomness"], swiftSettings: strictSettings),
        .testTarget(
            name: "ArithmeticTests",
            dependencies: ["Arithmetic", "Randomness"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "Randomness"], swiftSettings: strictSettings),
        .testTarget(name: "CostModelTests", dependencies: ["CostModel"], swiftSettings: strictSettings),
        .testTarget(
            name: "TwoPartyTests",
            dependencies: ["TwoParty", "Approximation", "Backend", "CostModel", "Tensors", "Arithmetic", "Randomness"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "ScenarioTests", dependencies: ["Scenario", "TwoParty", "Homomorphic", "Transformer", "Approximation", "CostModel", "Backend", "Tensors"],
                    exclude: ["Fixtures"], swiftSettings: strictSettings),
        .testTarget(name: "HomomorphicTests", dependencies: ["Homomorphic", "Approximation", "Backend", "CostModel", "Tensors", "Arithmetic"], swiftSettings: strictSettings),
        .testTarget(name: "TransformerTests", dependencies: ["Transformer", "Approximation", "Backend", "Tensors"], exclude: ["Fixtures"],
                    swiftSettings: strictSettings),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Approximation", "Scenario", "Transformer", "CostModel"], swiftSettings: strictSettings),
        .testTarget(
            name: "ApproximationTests",
            dependencies: ["Approximation", "Backend", "Arithmetic", "Tensors"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
    ]
)

if ProcessInfo.processInfo.environment["PISIM_BENCHMARKS"] != nil {
    package.targets.append(
        .executableTarget(
            name: "PISimBenchmarks",
            dependencies: ["Arithmetic", "Tensors", "Randomness", "Backend", "Approximation", "TwoParty", "Transformer", "Scenario"],
            path: "Benchmarks/PISimBenchmarks",
            swiftSettings: strictSettings
        )
    )
}
