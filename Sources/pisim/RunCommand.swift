import Approximation
import ArgumentParser
import CostModel
import Foundation
import Reports
import Scenario
import Transformer

/// `pisim run`: a whole forward pass under a protocol, broken down per nonlinearity and layer.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cost and error of private inference of a whole model (flags; scenario files come next).",
        discussion: """
        Example: pisim run --model gpt2-small --arch aero --protocol crypten --network wan --seq 32 --format json
        Models: \(ModelShape.presets.map(\.name).joined(separator: ", ")).
        Architectures: \(Architecture.allCases.map(\.rawValue).joined(separator: ", ")).
        Fidelity: execute (every value share-level / ciphertext-level; full GPT-2 takes minutes, --layers runs
        fewer blocks) or estimate (the same costs from shapes alone, in milliseconds; two-party profiles).
        """)

    @Option(help: "Model preset.") var model: String = "gpt2-small"
    @Option(name: .customLong("arch"), help: "Architecture.") var architecture: String = "baseline"
    @Option(name: .customLong("protocol"), help: "Protocol profile name or path.") var protocolName: String = "crypten"
    @Option(help: "Network preset.") var network: String = "wan"
    @Option(name: .customLong("seq"), help: "Context length T.") var tokens: Int = 128
    @Option(name: .customLong("ffn-keep"), help: "AERO: keep the first K FFNs.") var ffnKeep: Int?
    @Option(help: "Run only the first N blocks of the model.") var layers: Int?
    @Flag(name: .customLong("no-embeddings"), help: "Leave out the token embedding and the vocabulary projection.") var noEmbeddings = false
    @Option(help: "Fidelity: execute (values and costs) or estimate (costs from shapes, identical, fast; two-party profiles).") var fidelity: String = "execute"
    @Option(help: "Seed for weights, inputs and correlated randomness.") var seed: UInt64 = 1
    @Option(help: "Output format: table or json.") var format: String = "table"
    @Flag(name: .customLong("by-layer"), help: "Also break the table down per layer.") var byLayer = false

    func run() throws {
        guard ["table", "json"].contains(format) else { throw CommandFailure("--format must be table or json, got '\(format)'") }
        guard ["execute", "estimate"].contains(fidelity) else { throw CommandFailure("--fidelity must be execute or estimate, got '\(fidelity)'") }
        guard tokens > 0 else { throw CommandFailure("--seq must be positive, got \(tokens)") }
        do {
            var shape = try ModelShape.preset(model)
            if let layers {
                guard (1...shape.layers).contains(layers) else { throw CommandFailure("--layers must be 1…\(shape.layers)") }
                shape.layers = layers
            }
            let request = RunRequest(model: shape, architecture: try Architecture.named(architecture),
                                     profile: try ProtocolProfile.load(protocolName), network: try NetworkModel.preset(named: network),
                                     tokens: tokens, ffnKeep: ffnKeep, includeEmbeddings: !noEmbeddings, seed: seed)
            FileHandle.standardError.write(Data("running \(shape.name) \(architecture) under \(protocolName), T = \(tokens)…\n".utf8))
            let report = fidelity == "estimate" ? try ModelRunner.estimate(request) : try ModelRunner.execute(request)
            print(format == "json" ? try RunOutput.json(report, scenario: "command-line") : RunOutput.table(report, byLayer: byLayer))
        } catch let e as CommandFailure {
            throw e
        } catch let e as FileError {
            throw CommandFailure(e.description)
        } catch let e as CustomStringConvertible & Error {
            throw CommandFailure(e.description)
        }
    }
}
