import ArgumentParser
import Foundation
import Reports
import Scenario

/// `pisim validate`: PISim's predictions of published figures, side by side.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Predict the published figures in protocols/measurements/published.yaml and print published, predicted and the ratio.",
        discussion: """
        Each anchor names a run (model, tokens, protocol, network) and the figures a paper or a \
        reproduction reported for it, with the convention they were counted in. PISim predicts \
        each in estimate fidelity; nothing is fitted to these figures. Anchors whose protocol has \
        no profile yet are listed as not predicted, with the reason.
        """)

    @Option(help: "The anchors file (default: the bundled protocols/measurements/published.yaml).") var file: String?
    @Option(help: "table, markdown or json.") var format = "table"

    func run() throws {
        guard ["table", "markdown", "json"].contains(format) else { throw CommandFailure("--format must be table, markdown or json, got '\(format)'") }
        let path = file ?? PublishedAnchors.bundledPath
        let anchors: [PublishedAnchor]
        do { anchors = try PublishedAnchors.load(path: path) } catch { throw CommandFailure(error.description) }
        let rows = PublishedAnchors.validate(anchors, directory: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        switch format {
        case "json": print(try ValidationOutput.json(rows))
        case "markdown": print(ValidationOutput.markdown(rows))
        default: print(ValidationOutput.table(rows))
        }
    }
}
