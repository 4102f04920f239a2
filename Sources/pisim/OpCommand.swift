import Approximation
import ArgumentParser
import CostModel
import Foundation
import Reports
import Scenario

/// `pisim op`: cost and error of one operation on one shape under a protocol profile.
struct Op: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cost and error of one operation, run share-level under a protocol profile.",
        discussion: """
        Example: pisim op softmax --shape 12x128x128 --protocol crypten --network wan --format json
        Operations: \(ApproximationCatalog.methods.map(\.function).joined(separator: ", ")); the primitives
        mul (x ⊙ y, two private operands), square, ltz (the sign test [x < 0]), add and scale (0.37·x, local); and matmul
        (--shape TxDxD': the client's activation times the server's weights, by the profile's linear model;
        --shape BxTxDxD': B products of two private operands, as attention's per-head QKᵀ and A·V).
        A debug build (swift run) is about 20× slower than swift run -c release.
        Profiles are the YAML files under protocols/ (or a path). Networks: \(NetworkModel.presets.map(\.name).joined(separator: ", ")).
        """)

    @Argument(help: "The operation (a catalog function).")
    var op: String

    @Option(help: "Input shape, e.g. 12x128x128; row functions act along the last axis.")
    var shape: String = "128"

    @Option(name: .customLong("protocol"), help: "Protocol profile name or path.")
    var protocolName: String = "crypten"

    @Option(help: "Network preset.")
    var network: String = "lan"

    @Option(name: .customLong("input-range"), parsing: .unconditional, help: "Draw inputs uniformly from LOWER:UPPER.")
    var inputRange: String?

    @Option(name: .customLong("compute-scale"), help: "Multiply the profile's measured compute figures (another machine).")
    var computeScale: Double = 1

    @Option(help: "Seed for inputs and correlated randomness.")
    var seed: UInt64 = 1

    @Option(help: "Output format: table or json.")
    var format: String = "table"

    func run() throws {
        guard ["table", "json"].contains(format) else { throw CommandFailure("--format must be table or json, got '\(format)'") }
        let dims = shape.lowercased().split(separator: "x").map { Int($0) }
        guard !dims.isEmpty, dims.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw CommandFailure("--shape must be positive extents joined by 'x' (e.g. 12x128x128), got '\(shape)'")
        }
        try reportingErrors {
            let profile = try ProtocolProfile.load(protocolName).scalingCompute(by: computeScale)
            let net = try NetworkModel.preset(named: network)
            let range = try inputRange.map { try Interval(parsing: $0) }
            let report = try OperationRunner.run(op: op, shape: dims.compactMap { $0 }, profile: profile, network: net,
                                                 inputRange: range, seed: seed)
            print(format == "json" ? try OperationOutput.json(report) : OperationOutput.table(report))
        }
    }
}
