import Foundation
import Testing
import Approximation
@testable import Reports

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("Approximation output: JSON keys and SVG")
struct ApproximationOutputTests {
    static let requiredKeys = ["function", "method", "range", "max_abs_error", "max_rel_error", "rms_error", "depth",
                               "nonscalar_mults", "scalar_mults", "coefficients", "out_of_range"]

    /// Every catalog entry renders as JSON with the documented keys, with a degree or an
    /// iteration count where the method has one.
    @Test func jsonHasTheDocumentedKeysForEveryEntry() throws {
        let spec = try FixedPointSpec(parsing: "64:16")
        for (function, methods) in ApproximationCatalog.methods {
            for method in methods {
                var o = ApproximationOptions()
                o.method = method
                o.length = 16
                let report = try ApproximationReport.measure(ApproximationCatalog.make(function, o), fixedPoint: spec, samples: 65, rowLength: 16)
                let text = try ApproximationOutput.json([report], single: true)
                let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
                for key in Self.requiredKeys { #expect(object[key] != nil, "\(function) \(method): \(key)") }
                #expect(object["degree"] is Int || object["iterations"] is Int || ["comparison"].contains(method), "\(function) \(method)")
                #expect(object["fixed_point"] is [String: Any])
            }
        }
    }

    @Test func jsonIsDeterministic() throws {
        let a = try ApproximationCatalog.make("softmax", ApproximationOptions())
        let r1 = try ApproximationOutput.json([ApproximationReport.measure(a, fixedPoint: FixedPointSpec(parsing: "64:16", truncation: .probabilistic), seed: 3)], single: true)
        let r2 = try ApproximationOutput.json([ApproximationReport.measure(a, fixedPoint: FixedPointSpec(parsing: "64:16", truncation: .probabilistic), seed: 3)], single: true)
        #expect(r1 == r2)
    }

    @Test func svgIsWellFormedAndHasBothPanels() throws {
        var o = ApproximationOptions()
        o.degree = 7
        let reports = try ["minimax", "chebyshev"].map { m in
            o.method = m
            return try ApproximationReport.measure(ApproximationCatalog.make("exp", o), fixedPoint: FixedPointSpec(parsing: "64:16"))
        }
        let svg = ApproximationOutput.svg(reports)
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "SVG does not parse: \(String(describing: parser.parserError))")
        #expect(svg.contains("absolute error") && svg.contains("function and approximation"))
        #expect(svg.components(separatedBy: "<path").count - 1 == 1 + 2 + 2 + 2)   // exact, 2 approximations, 2 errors, 2 fixed-point errors
    }
}
