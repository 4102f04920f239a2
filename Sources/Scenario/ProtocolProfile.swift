import Backend
import Approximation
import Arithmetic
import CostModel
import Foundation
import Randomness
import Homomorphic
import TwoParty

/// A protocol profile: how a published protocol computes (ring, precision, primitives)
/// and which approximation it uses for each nonlinearity, every number with its source.
/// Profiles are data files under `protocols/`.
public struct ProtocolProfile: Sendable {
    public var name: String
    public var description: String
    /// The file it was read from.
    public var file: String
    /// Engine settings (ring, precision, wire format, primitive algorithms).
    public var settings: TwoPartySettings
    /// How row maxima (softmax) are computed.
    public var maxMethod: MaxMethod
    /// For shares over a prime field Z/q instead of Z/2^k: q.
    public var fieldModulus: BigInteger?
    /// How private × weight products are done and charged.
    public var linear: LinearLayerModel = .beaver
    /// Approximation options per catalog function name.
    public var nonlinearities: [String: ApproximationOptions]
    /// Key path → citation, for reports.
    public var citations: [String: String]
    /// For homomorphic profiles: the CKKS parameters and latency table (the two-party
    /// settings are then unused).
    public var ckks: CKKSProfile?
    /// SHA-256 of the profile's text (hexadecimal), for provenance: a result names the
    /// exact profile it was computed with.
    public var textSHA256 = ""

    /// Loads `protocols/NAME.yaml` (searching `directory`, then `./protocols`) or a path.
    public static func load(_ nameOrPath: String, directory: String? = nil) throws(FileError) -> ProtocolProfile {
        let candidates = nameOrPath.hasSuffix(".yaml") || nameOrPath.contains("/")
            ? [nameOrPath]
            : [directory, "protocols", ProtocolProfile.bundledDirectory].compactMap { $0 }.map { "\($0)/\(nameOrPath).yaml" }
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            let known = available(in: directory)
            var message = "no protocol profile '\(nameOrPath)'"
            if let s = Suggestion.nearest(nameOrPath, in: known) { message += "; did you mean '\(s)'?" }
            throw FileError(file: candidates.first ?? nameOrPath, line: 0, key: "",
                            message: message + (known.isEmpty ? "" : " (available: \(known.joined(separator: ", ")))"))
        }
        return try parse(try YAMLNode.readText(path: path), file: path)
    }

    /// The profiles shipped with the package (found relative to this source file when run
    /// from a checkout, and through `./protocols` otherwise).
    static var bundledDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("protocols").path
    }

    /// Profile names available.
    public static func available(in directory: String? = nil) -> [String] {
        for dir in [directory, "protocols", bundledDirectory].compactMap({ $0 }) {
            if let files = try? FileManager.default.contentsOfDirectory(atPath: dir) {
                let names = files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
                if !names.isEmpty { return names }
            }
        }
        return []
    }

    static let topKeys = ["name", "kind", "description", "source", "parameters", "primitives", "nonlinearities", "linear", "latency", "compute"]
    static let computeKeys = ["source", "machine", "kinds", "per_multiply_accumulate_ns"]
    static let linearKeys = ["algorithm", "slots", "query_bytes", "response_bytes", "rounds", "private_products", "bits_per_output",
                             "offline_bytes_per_output", "offline_bytes_per_operand_element", "source"]
    static let parameterKeys = ["ring_bits", "fractional_bits", "wire_bytes_per_element", "wire_bytes_per_bit",
                                "offline_bytes_per_element", "field_modulus"]
    static let primitiveKeys = ["truncation", "max", "comparison", "equality", "multiplication", "square", "select"]
    /// The terms of an analytic cost (`AnalyticCost`): each party's bits per element (and
    /// per truncated bit), party 1's when they differ, bytes per HE batch, size tiers.
    static let analyticCostKeys = ["bits_per_element", "bits_per_truncated_bit", "rounds", "offline_bytes_per_element",
                                   "party1_bits_per_element", "party1_bits_per_truncated_bit", "batch_elements", "bytes_per_batch", "tiers"]
    static let analyticKeys = ["algorithm", "source"] + analyticCostKeys
    static let nonlinearityKeys = ["method", "degree", "iterations", "range", "reciprocal", "reciprocal_iterations",
                                   "reciprocal_range", "exp_iterations", "sign_corrected", "epsilon", "p", "variant", "source",
                                   "bits_per_element", "bits_per_row", "rounds", "rounds_per_log2_row",
                                   "offline_bytes_per_element", "offline_bytes_per_row", "value_method", "divide", "normalize",
                                   "party1_bits_per_element", "party1_bits_per_row", "tiers", "masked_elements_only"]

    /// Parses and validates a profile document.
    ///
    /// - Throws: `FileError` naming the file, line and key of the first problem: unknown
    ///   keys (with a suggestion), a value without its `source`, a negative cost, an
    ///   unknown algorithm or method, or settings the engine refuses.
    public static func parse(_ text: String, file: String) throws(FileError) -> ProtocolProfile {
        var profile = try parseDocument(text, file: file)
        profile.textSHA256 = SHA256.hexDigest(text)
        return profile
    }

    static func parseDocument(_ text: String, file: String) throws(FileError) -> ProtocolProfile {
        let root = try YAMLNode.parse(text, file: file)
        let top = try root.mapping(allowed: topKeys, required: ["name", "kind", "source", "parameters"])
        let name = try top["name"]!.string()
        let kind = try top["kind"]!.choice(["two-party", "ckks"])
        var citations = ["source": try top["source"]!.string()]
        if kind == "ckks" { return try parseCKKS(top, name: name, file: file, citations: &citations) }
        guard top["primitives"] != nil else { throw root.error("missing required key 'primitives'") }
        var settings = TwoPartySettings()

        // Every parameter is {value, source}.
        let parameters = try top["parameters"]!.mapping(allowed: parameterKeys, required: ["fractional_bits"])
        var fieldModulus: BigInteger?
        if let node = parameters["field_modulus"] {
            let v = try cited(node, &citations)
            let text = try v.string()
            guard let q = try? BigInteger(parsing: text), q >= 3, q.isOdd else {
                throw v.error("field_modulus must be an odd integer ≥ 3 in decimal, got '\(text)'")
            }
            fieldModulus = q
        } else if parameters["ring_bits"] == nil {
            throw top["parameters"]!.error("missing required key 'ring_bits' (or 'field_modulus' for shares over Z/q)")
        }
        for (key, node) in parameters where key != "field_modulus" {
            let v = try cited(node, &citations).count()
            switch key {
            case "ring_bits": settings.ringBits = v
            case "fractional_bits": settings.fractionalBits = v
            case "wire_bytes_per_element": settings.wireBytesPerElement = v
            case "wire_bytes_per_bit": settings.wireBytesPerBit = v
            default: settings.offlineBytesPerElement = v
            }
        }

        let primitives = try top["primitives"]!.mapping(allowed: primitiveKeys, required: ["truncation", "max"])
        var maxMethod = MaxMethod.tree
        for (key, node) in primitives {
            let m = try node.mapping(allowed: analyticKeys, required: ["algorithm", "source"])
            citations[node.path] = try m["source"]!.string()
            let algorithms: [String] = switch key {
            case "truncation": ["local", "one-round", "analytic"]
            case "max": ["crypten-log-reduction", "tree", "jax-tree", "backend"]
            default: ["executed", "analytic"]
            }
            let algorithm = try m["algorithm"]!.choice(algorithms)
            var cost: AnalyticCost?
            if algorithm == "analytic" {
                guard m["bits_per_element"] != nil || m["bits_per_truncated_bit"] != nil || m["bytes_per_batch"] != nil || m["tiers"] != nil, m["rounds"] != nil else {
                    throw node.error("an analytic primitive needs bits_per_element (or bytes_per_batch) and rounds (each party's bits sent per element)")
                }
                cost = try analyticCost(m)
            } else if let extra = analyticCostKeys.first(where: { m[$0] != nil }) {
                throw m[extra]!.error("'\(extra)' only applies to algorithm: analytic")
            }
            switch key {
            case "truncation":
                settings.truncation = TwoPartySettings.Truncation(rawValue: algorithm) ?? .local
                settings.truncationCost = cost
            case "max": maxMethod = MaxMethod(rawValue: algorithm) ?? .tree
            case "comparison": settings.comparisonCost = cost
            case "equality": settings.equalityCost = cost
            case "multiplication": settings.multiplicationCost = cost
            case "select": settings.selectCost = cost
            default: settings.squareCost = cost
            }
        }
        if let q = fieldModulus {
            guard settings.comparisonCost != nil, settings.equalityCost != nil else {
                throw top["primitives"]!.error("shares over Z/q need analytic 'comparison' and 'equality' primitives (no bit-decomposition circuit is executed in a field)")
            }
            settings.ringBits = min(64, max(2, (q - 1).bitWidth))
        }
        do { try settings.validate() } catch {
            throw FileError(file: file, line: top["parameters"]!.line, key: "parameters", message: error.description)
        }

        var linear = LinearLayerModel.beaver
        if let node = top["linear"] {
            let m = try node.mapping(allowed: linearKeys, required: ["algorithm", "source"])
            citations[node.path] = try m["source"]!.string()
            func need(_ key: String) throws(FileError) -> YAMLNode {
                guard let v = m[key] else { throw node.error("algorithm '\(try m["algorithm"]!.string())' needs '\(key)'") }
                return v
            }
            switch try m["algorithm"]!.choice(["beaver", "homomorphic", "analytic"]) {
            case "homomorphic":
                let slots = try need("slots").count()
                guard slots > 0 else { throw m["slots"]!.error("slots must be positive") }
                linear = .homomorphic(slots: slots, queryBytes: try need("query_bytes").count(),
                                      responseBytes: try need("response_bytes").count(), rounds: try need("rounds").count(),
                                      privateProducts: try m["private_products"]?.bool() ?? false)
            case "analytic":
                linear = .analytic(bitsPerOutput: try need("bits_per_output").nonNegative(), rounds: try need("rounds").count(),
                                   offlineBytesPerOutput: try m["offline_bytes_per_output"]?.nonNegative() ?? 0,
                                   offlineBytesPerOperandElement: try m["offline_bytes_per_operand_element"]?.nonNegative() ?? 0,
                                   privateProducts: try m["private_products"]?.bool() ?? false)
            default: linear = .beaver
            }
            if let p = m["private_products"], case .beaver = linear {
                throw p.error("private_products applies to algorithms homomorphic and analytic (beaver executes every product)")
            }
        }

        if let node = top["compute"] { settings.compute = try parseCompute(node, citations: &citations) }
        let nonlinearities = try parseNonlinearities(top["nonlinearities"], maxMethod: maxMethod, citations: &citations)
        return ProtocolProfile(name: name, description: try top["description"]?.string() ?? "", file: file,
                               settings: settings, maxMethod: maxMethod, fieldModulus: fieldModulus, linear: linear,
                               nonlinearities: nonlinearities, citations: citations, ckks: nil)
    }

    /// The profile with every compute figure multiplied by `factor` (another machine or
    /// thread count): the two-party compute model and the HE latency table alike.
    ///
    /// - Throws: `ApproximationError.invalidParameter` for a factor outside `ComputeModel.scaleRange`.
    public func scalingCompute(by factor: Double) throws(ApproximationError) -> ProtocolProfile {
        guard ComputeModel.scaleRange.contains(factor) else {
            throw .invalidParameter("compute scale must be \(ComputeModel.scaleRange.lowerBound)…\(ComputeModel.scaleRange.upperBound), got \(factor)")
        }
        var p = self
        p.settings.compute?.scale *= factor
        if var c = p.ckks, var table = c.latency {
            for (op, s) in table.seconds { table.seconds[op] = s * factor }
            c.latency = table
            p.ckks = c
        }
        return p
    }

    /// The `compute` section: the peer's seconds per round and per element by event kind
    /// and per multiply-accumulate, written in µs and ns as `pisim calibrate` prints them
    /// and converted to seconds here, once.
    ///
    /// ```yaml
    /// compute:
    ///   source: "…"
    ///   machine: "…"
    ///   per_multiply_accumulate_ns: 0.2
    ///   kinds:
    ///     mul: {per_round_us: 900, per_element_ns: 40}
    /// ```
    static func parseCompute(_ node: YAMLNode, citations: inout [String: String]) throws(FileError) -> ComputeModel {
        let m = try node.mapping(allowed: computeKeys, required: ["source", "machine", "kinds"])
        let source = try m["source"]!.string(), machine = try m["machine"]!.string()
        citations[node.path] = "\(source); measured on \(machine)"
        let known = Channel.eventKinds + ApproximationCatalog.methods.map(\.function)
        var rates = [String: ComputeModel.Rate]()
        var fallback = ComputeModel.Rate(perRound: 0, perElement: 0)
        for (kind, v) in try m["kinds"]!.mapping(allowed: known + ["default"]) {
            let r = try v.mapping(allowed: ["per_event_us", "per_round_us", "per_element_ns"], required: ["per_element_ns"])
            let rate = ComputeModel.Rate(perEvent: (try r["per_event_us"]?.nonNegative() ?? 0) * 1e-6,
                                         perRound: (try r["per_round_us"]?.nonNegative() ?? 0) * 1e-6,
                                         perElement: try r["per_element_ns"]!.nonNegative() * 1e-9)
            if kind == "default" { fallback = rate } else { rates[kind] = rate }
        }
        return ComputeModel(rates: rates, defaultRate: fallback,
                            perMultiplyAccumulateSeconds: (try m["per_multiply_accumulate_ns"]?.nonNegative() ?? 0) * 1e-9,
                            source: "\(source); \(machine)")
    }

    /// The `nonlinearities` section: per catalog function, a method and its settings.
    static func parseNonlinearities(_ section: YAMLNode?, maxMethod: MaxMethod,
                                    citations: inout [String: String]) throws(FileError) -> [String: ApproximationOptions] {
        var nonlinearities = [String: ApproximationOptions]()
        if let section {
            let functions = ApproximationCatalog.methods.map(\.function)
            let entries = try section.mapping(allowed: functions)
            for (function, node) in entries {
                let m = try node.mapping(allowed: nonlinearityKeys, required: ["method", "source"])
                citations[node.path] = try m["source"]!.string()
                var o = ApproximationOptions()
                o.maxMethod = maxMethod
                try applyOptions(m, function: function, node: node, to: &o)
                nonlinearities[function] = o
            }
        }
        return nonlinearities
    }

    /// Applies one function's option keys (`nonlinearityKeys` less `source`) to `o`, then
    /// builds the approximation once so impossible settings fail here, with the position.
    static func applyOptions(_ m: [String: YAMLNode], function: String, node: YAMLNode,
                             to o: inout ApproximationOptions) throws(FileError) {
        let methods = ApproximationCatalog.methods.first { $0.function == function }?.methods ?? []
        if let v = m["method"] {
            o.method = try v.choice(methods + ["analytic"])
            if o.method != "analytic" {
                o.analyticCost = nil
                o.valueMethod = nil
            }
        }
        let analyticKeys = ["bits_per_element", "bits_per_row", "rounds", "rounds_per_log2_row", "offline_bytes_per_element",
                            "offline_bytes_per_row", "value_method", "party1_bits_per_element", "party1_bits_per_row", "tiers", "masked_elements_only"]
        if o.method == "analytic" {
            if m["method"] != nil {
                guard m["bits_per_element"] != nil || m["bits_per_row"] != nil, m["rounds"] != nil else {
                    throw node.error("method analytic needs bits_per_element (or bits_per_row) and rounds, with their source")
                }
            }
            var c = o.analyticCost ?? AnalyticCost()
            if let v = m["bits_per_element"] { c.bitsPerElement = try v.nonNegative() }
            if let v = m["bits_per_row"] { c.bitsPerRow = try v.nonNegative() }
            if let v = m["rounds"] { c.rounds = try v.count() }
            if let v = m["rounds_per_log2_row"] { c.roundsPerLog2Row = try v.count() }
            if let v = m["offline_bytes_per_element"] { c.offlineBytesPerElement = try v.nonNegative() }
            if let v = m["offline_bytes_per_row"] { c.offlineBytesPerRow = try v.nonNegative() }
            if m["party1_bits_per_element"] != nil || m["party1_bits_per_row"] != nil {
                c.partyOne = AnalyticCost.PartyBits(bitsPerElement: try m["party1_bits_per_element"]?.nonNegative() ?? c.bitsPerElement,
                                                    bitsPerRow: try m["party1_bits_per_row"]?.nonNegative() ?? c.bitsPerRow)
            }
            if m["tiers"] != nil { c.tiers = try analyticCost(m).tiers }
            if let v = m["masked_elements_only"] { c.maskedElementsOnly = try v.bool() }
            o.analyticCost = c
            if let v = m["value_method"] { o.valueMethod = try v.choice(methods) }
        } else if let extra = analyticKeys.first(where: { m[$0] != nil }) {
            throw m[extra]!.error("'\(extra)' only applies to method: analytic")
        }
        if let v = m["degree"] { o.degree = try v.count() }
        if let v = m["iterations"] { o.iterations = try v.count() }
        if let v = m["exp_iterations"] { o.expIterations = try v.count() }
        if let v = m["reciprocal_iterations"] { o.reciprocalIterations = try v.count() }
        if let v = m["reciprocal"] { o.reciprocalMethod = try v.choice(["newton", "goldschmidt", "spu-goldschmidt"]) }
        if let v = m["divide"] { o.division = SoftmaxDivision(rawValue: try v.choice(SoftmaxDivision.allCases.map(\.rawValue))) ?? .perRow }
        if let v = m["normalize"] {
            let n = try v.mapping(allowed: ["source"] + analyticCostKeys, required: ["bits_per_element", "rounds", "source"])
            o.normalizeCost = try analyticCost(n)
        }
        let usesSPUGoldschmidt = o.method == "spu-goldschmidt" || o.reciprocalMethod == "spu-goldschmidt"
        if usesSPUGoldschmidt, o.normalizeCost == nil {
            throw node.error("spu-goldschmidt needs normalize: {bits_per_element, rounds, source}: what the protocol sends to find the highest bit")
        }
        if let v = m["sign_corrected"] { o.signCorrected = try v.bool() }
        if let v = m["epsilon"] { o.epsilon = try v.nonNegative() }
        if let v = m["p"] { o.p = try v.count() }
        if let v = m["variant"] { o.variant = try v.choice(["sum", "epsilon", "mean", "stable"]) }
        if let v = m["range"] { o.range = try interval(v) }
        if let v = m["reciprocal_range"] { o.reciprocalRange = try interval(v) }
        do { _ = try ApproximationCatalog.make(function, o) } catch {
            throw node.error(error.description)
        }
    }

    /// An analytic cost from its keys (`analyticCostKeys`): party 0's (or both parties')
    /// bits per element and per truncated bit, `party1_*` for party 1, `batch_elements` with
    /// `bytes_per_batch: [party 0, party 1]`, and `tiers`: a list of the same keys with
    /// `up_to: N` that replace the cost for operations on at most N elements.
    static func analyticCost(_ m: [String: YAMLNode]) throws(FileError) -> AnalyticCost {
        var c = AnalyticCost(bitsPerElement: try m["bits_per_element"]?.nonNegative() ?? 0,
                             bitsPerRow: try m["bits_per_row"]?.nonNegative() ?? 0,
                             bitsPerTruncatedBit: try m["bits_per_truncated_bit"]?.double() ?? 0,
                             rounds: try m["rounds"]?.count() ?? 0,
                             roundsPerLog2Row: try m["rounds_per_log2_row"]?.count() ?? 0,
                             offlineBytesPerElement: try m["offline_bytes_per_element"]?.nonNegative() ?? 0,
                             offlineBytesPerRow: try m["offline_bytes_per_row"]?.nonNegative() ?? 0)
        if m["party1_bits_per_element"] != nil || m["party1_bits_per_truncated_bit"] != nil || m["party1_bits_per_row"] != nil {
            c.partyOne = AnalyticCost.PartyBits(bitsPerElement: try m["party1_bits_per_element"]?.nonNegative() ?? c.bitsPerElement,
                                                bitsPerRow: try m["party1_bits_per_row"]?.nonNegative() ?? c.bitsPerRow,
                                                bitsPerTruncatedBit: try m["party1_bits_per_truncated_bit"]?.double() ?? 0)
        }
        if let b = m["bytes_per_batch"] {
            let items = try b.sequence()
            guard items.count == 2 else { throw b.error("bytes_per_batch is [party 0, party 1]") }
            c.bytesPerBatch = [try items[0].nonNegative(), try items[1].nonNegative()]
            guard let n = m["batch_elements"] else { throw b.error("bytes_per_batch needs batch_elements (slots per HE batch)") }
            c.batchElements = try n.count()
            guard c.batchElements > 0 else { throw n.error("batch_elements must be positive") }
        }
        if let t = m["tiers"] {
            var previous = 0
            for tier in try t.sequence() {
                let tm = try tier.mapping(allowed: ["up_to", "source", "bits_per_row", "party1_bits_per_row", "rounds_per_log2_row", "offline_bytes_per_row"]
                                          + analyticCostKeys.filter { $0 != "tiers" }, required: ["up_to", "rounds"])
                let upTo = try tm["up_to"]!.count()
                guard upTo > previous else { throw tm["up_to"]!.error("tiers go by increasing up_to (elements), got \(upTo) after \(previous)") }
                previous = upTo
                c.tiers.append(AnalyticCost.Tier(upTo: upTo, cost: try analyticCost(tm)))
            }
        }
        guard c.isValid else {
            throw (m["bits_per_element"] ?? m["rounds"] ?? m.values.first!).error("the cost must be finite, and no party's bits per element negative at any shift")
        }
        return c
    }

    /// A `{value, source}` entry: records the source under the entry's key path and returns
    /// the value.
    static func cited(_ node: YAMLNode, _ citations: inout [String: String]) throws(FileError) -> YAMLNode {
        let m = try node.mapping(allowed: ["value", "source"], required: ["value", "source"])
        citations[node.path] = try m["source"]!.string()
        return m["value"]!
    }

    static func interval(_ node: YAMLNode) throws(FileError) -> Interval {
        let items = try node.sequence()
        guard items.count == 2 else { throw node.error("a range is a list of two numbers [lower, upper]") }
        do { return try Interval(items[0].double(), items[1].double()) } catch let e as FileError { throw e } catch {
            throw node.error("\(error)")
        }
    }

    /// The approximation this profile uses for `function` (catalog defaults if unlisted),
    /// for rows of `length`; `epsilon`: the model's norm ε, used unless the profile sets one.
    ///
    /// Functions a profile does not list borrow what it does list: RMSNorm takes LayerNorm's
    /// entry (the same inverse square root; an analytic LayerNorm cost then bounds RMSNorm's,
    /// which skips the mean), and SiLU is x · the profile's sigmoid when it lists one.
    public func approximation(for function: String, length: Int, epsilon: Double? = nil) throws(ApproximationError) -> any NonlinearApproximation {
        var o = nonlinearities[function] ?? (function == "rmsnorm" ? nonlinearities["layernorm"] : nil) ?? ApproximationOptions()
        o.maxMethod = maxMethod
        o.length = length
        if o.epsilon == nil { o.epsilon = epsilon }
        if function == "silu", nonlinearities["silu"] == nil, nonlinearities["sigmoid"] != nil {
            return SiLUApproximation(sigmoid: try approximation(for: "sigmoid", length: length))
        }
        return try ApproximationCatalog.make(function, o)
    }
}
