import Approximation
import ArgumentParser
import CostModel
import Foundation
import Reports
import Scenario
import TwoParty

/// What `pisim op` and `pisim party op` take: one operation, one shape, one profile.
struct OpArguments: ParsableArguments {
    @Argument(help: "The operation (a catalog function).")
    var op: String

    @Option(help: "Input shape, e.g. 12x128x128; row functions act along the last axis.")
    var shape: String = "128"

    @Option(name: .customLong("protocol"), help: "Protocol profile name or path.")
    var protocolName: String = "crypten"

    @Option(help: "Network preset.")
    var network: String = "lan"

    @Option(name: .customLong("rtt-ms"), help: "Round-trip time in milliseconds, over the preset's.")
    var rttMilliseconds: Double?

    @Option(name: .customLong("bandwidth-mbit"), help: "Bandwidth in megabits (10^6 bits) per second, over the preset's.")
    var bandwidthMegabits: Double?

    @Option(name: .customLong("input-range"), parsing: .unconditional, help: "Draw inputs uniformly from LOWER:UPPER.")
    var inputRange: String?

    @Option(name: .customLong("compute-scale"), help: "Multiply the profile's measured compute figures (another machine).")
    var computeScale: Double = 1

    @Option(help: "Seed for inputs and correlated randomness.")
    var seed: UInt64 = 1

    @Option(help: "Output format: table or json.")
    var format: String = "table"

    /// The request, checked.
    func resolved() throws -> (dims: [Int], profile: ProtocolProfile, network: NetworkModel, range: Interval?) {
        guard ["table", "json"].contains(format) else { throw CommandFailure("--format must be table or json, got '\(format)'") }
        let dims = shape.lowercased().split(separator: "x").map { Int($0) }
        guard !dims.isEmpty, dims.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw CommandFailure("--shape must be positive extents joined by 'x' (e.g. 12x128x128), got '\(shape)'")
        }
        let profile = try ProtocolProfile.load(protocolName).scalingCompute(by: computeScale)
        var net = try NetworkModel.preset(named: network)
        if rttMilliseconds != nil || bandwidthMegabits != nil {
            net = try NetworkModel(name: "custom", bandwidthBitsPerSecond: (bandwidthMegabits ?? net.bandwidthBitsPerSecond / 1e6) * 1e6,
                                   roundTripSeconds: (rttMilliseconds ?? net.roundTripSeconds * 1000) / 1000, duplex: net.duplex,
                                   source: "--rtt-ms / --bandwidth-mbit over the \(net.name) preset")
        }
        return (dims.compactMap { $0 }, profile, net, try inputRange.map { try Interval(parsing: $0) })
    }

    /// Runs it with the two parties where `hosting` puts them.
    func report(hosting: PartyHosting) throws -> OperationReport {
        let r = try resolved()
        return try OperationRunner.run(op: op, shape: r.dims, profile: r.profile, network: r.network, inputRange: r.range, seed: seed, hosting: hosting)
    }

    func print(_ report: OperationReport) throws {
        Swift.print(format == "json" ? try OperationOutput.json(report) : OperationOutput.table(report))
    }
}

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
        --transport tcp runs the two parties as two processes over localhost TCP and adds what the sockets
        measured (bytes per party, flights, wall time) beside the prediction.
        A debug build (swift run) is about 20× slower than swift run -c release.
        Profiles are the YAML files under protocols/ (or a path). Networks: \(NetworkModel.presets.map(\.name).joined(separator: ", ")).
        """)

    @OptionGroup var arguments: OpArguments

    @Option(help: "Where the two parties compute: threads (one thread each, the default), one-thread, or tcp (two processes over localhost TCP).")
    var transport: String = "threads"

    @Option(help: "Correlated randomness over --transport tcp: seeded (the parties derive it; not secure) or dealer (a third process, pisim dealer, sends each party its shares).")
    var correlations: String = "seeded"

    func run() throws {
        guard ["seeded", "dealer"].contains(correlations) else { throw CommandFailure("--correlations must be seeded or dealer, got '\(correlations)'") }
        guard let execution = PartyExecution(rawValue: transport) else {
            throw CommandFailure("--transport must be \(PartyExecution.allCases.map(\.rawValue).joined(separator: ", ")), got '\(transport)'")
        }
        try reportingErrors {
            if execution == .tcp {
                let r = try arguments.resolved()
                if let refusal = r.profile.realTransportRefusal { throw CommandFailure("--transport tcp: \(refusal)") }
                try LocalParties.run(subcommand: "op", arguments: Array(CommandLine.arguments.dropFirst()), dealer: correlations == "dealer")
                return
            }
            guard correlations == "seeded" else { throw CommandFailure("--correlations dealer runs a dealer process: it needs --transport tcp") }
            try arguments.print(try arguments.report(hosting: execution == .oneThread ? .oneThread : .threads))
        }
    }
}
