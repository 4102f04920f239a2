import Foundation
import Testing
import Transformer
@testable import Scenario
@testable import Reports

/// `pisim validate`: the bundled anchors load, are predicted fast and deterministically,
/// and bad anchor files are refused with file, line and key.
@Suite("Published anchors")
struct ValidateTests {
    @Test func bundledAnchorsArePredicted() throws {
        let anchors = try PublishedAnchors.load(path: PublishedAnchors.bundledPath)
        #expect(anchors.count >= 10)
        let start = ContinuousClock.now
        let rows = PublishedAnchors.validate(anchors, directory: ".")
        #expect(ContinuousClock.now - start < .seconds(10))
        for r in rows {
            if ["spu-aby3", "bolt"].contains(where: { r.anchor.id.hasPrefix($0 == "spu-aby3" ? "puma" : $0) }) {
                #expect(r.predicted == nil && (r.missing ?? "").contains("no protocol profile"), "\(r.anchor.id)")
            } else {
                let ratio = try #require(r.ratio, "\(r.anchor.id) \(r.figure.metric)")
                #expect(ratio.isFinite && ratio > 0.1 && ratio < 10, "\(r.anchor.id) \(r.figure.metric): \(ratio)")
            }
        }
        // Same anchors, same bytes.
        #expect(ValidationOutput.markdown(rows) == ValidationOutput.markdown(PublishedAnchors.validate(anchors, directory: ".")))
        #expect(try ValidationOutput.json(rows).contains("\"not_predicted\""))
    }

    func anchors(_ body: String) throws -> [PublishedAnchor] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("anchors-\(UUID().uuidString).yaml")
        try body.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        return try PublishedAnchors.load(path: url.path)
    }

    /// one-party-sent compares the larger party's sent bytes, both-directions their sum.
    @Test func conventionsConvertOnce() throws {
        let a = try anchors("""
        anchors:
          - id: x
            citation: test
            grade: A
            run: {model: {preset: gpt2-small, layers: 1}, tokens: 8, protocol: crypten, embeddings: false}
            published:
              comm: {value: 1, unit: MB, convention: one-party-sent}
          - id: y
            citation: test
            grade: A
            run: {model: {preset: gpt2-small, layers: 1}, tokens: 8, protocol: crypten, embeddings: false}
            published:
              comm: {value: 1, unit: MiB, convention: both-directions}
        """)
        let rows = PublishedAnchors.validate(a, directory: ".")
        var r = RunRequest(model: try ModelShape.preset("gpt2-small"), architecture: .baseline, profile: try ProtocolProfile.load("crypten"),
                           network: .wan, tokens: 8, includeEmbeddings: false)
        r.model.layers = 1
        let report = try ModelRunner.estimate(r)
        #expect(rows[0].predicted == Double(report.totals.bytesSent.max() ?? 0) / 1e6)
        #expect(rows[1].predicted == Double(report.totals.bytes) / 1_048_576)
    }

    @Test(arguments: [
        ("unit", "comm: {value: 1, unit: s}"),
        ("value", "comm: {value: -2, unit: GB}"),
        ("convention", "comm: {value: 1, unit: GB, convention: sideways}"),
        ("speed", "speed: {value: 1, unit: s}"),
    ])
    func badFiguresAreRefused(_ key: String, _ figure: String) throws {
        do {
            _ = try anchors("anchors:\n  - id: x\n    citation: t\n    grade: A\n    run: {model: gpt2-small, protocol: crypten}\n    published:\n      \(figure)\n")
            Issue.record("accepted \(figure)")
        } catch let e as FileError {
            #expect(e.line > 0 && e.key.contains(key) || e.message.contains(key), "\(e)")
        }
    }

    @Test func duplicateIdsAreRefused() throws {
        let entry = "  - id: x\n    citation: t\n    grade: A\n    run: {model: gpt2-small, protocol: crypten}\n    published:\n      comm: {value: 1, unit: GB}\n"
        #expect(throws: FileError.self) { _ = try anchors("anchors:\n" + entry + entry) }
    }
}
