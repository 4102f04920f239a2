import Approximation
import CostModel
import Foundation
import Transformer
import TwoParty

/// How a run is carried out.
public enum Fidelity: String, Sendable, CaseIterable {
    /// Every value share-level / ciphertext-level: costs counted from execution, error measured.
    case execute
    /// The same forward pass on shapes alone: identical costs, no values, fast.
    case estimate
}

/// One fully resolved run of a scenario: what to run, how, and which sweep entry it is.
public struct Scenario: Sendable {
    /// The scenario's `name` (or the file's base name).
    public var name: String
    /// The swept keys and the value each took in this run (empty without a sweep).
    public var assignments: [Assignment]
    public var request: RunRequest
    public var fidelity: Fidelity

    public struct Assignment: Sendable, Hashable {
        public var key: String
        public var value: String
    }

    /// "architecture=aero tokens=256" (or the scenario name without a sweep).
    public var label: String {
        assignments.isEmpty ? name : assignments.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    /// Every key a scenario file accepts.
    public static let keys = ["name", "description", "model", "architecture", "protocol", "network", "tokens", "batch", "layers", "ffn_keep",
                              "embeddings", "causal_mask", "attention", "fidelity", "seed", "precision", "approximations", "weights",
                              "compute_scale", "generate"]
    static let modelKeys = ["preset", "hf_config", "family", "name", "layers", "heads", "kv_heads", "width", "ffn_width", "vocabulary"]
    static let networkKeys = ["preset", "name", "bandwidth_mbps", "rtt_ms", "duplex", "source"]
    static let twoPartyPrecisionKeys = ["ring_bits", "fractional_bits"]
    static let ckksPrecisionKeys = ["scaling_bits", "depth", "ring_dimension", "first_prime_bits"]
    static let approximationKeys = ProtocolProfile.nonlinearityKeys.filter { $0 != "source" }

    /// Resolves every run of `document` (all are checked before any runs).
    ///
    /// - Throws: `FileError` naming the file, line and key of the first problem.
    public static func resolveAll(_ document: ScenarioDocument) throws(FileError) -> [Scenario] {
        var profiles = [String: ProtocolProfile]()
        var out = [Scenario]()
        do {
            for point in try document.points() { out.append(try resolve(point, profiles: &profiles)) }
        } catch {
            throw document.attributing(error)
        }
        return out
    }

    /// Resolves one run: validates every key and builds the request.
    public static func resolve(_ point: ScenarioDocument.Point, profiles: inout [String: ProtocolProfile]) throws(FileError) -> Scenario {
        let root = point.root
        let top = try root.mapping(allowed: keys)
        let name = try top["name"]?.string() ?? URL(fileURLWithPath: root.file).deletingPathExtension().lastPathComponent

        var (shape, imageTokens) = try model(top["model"], root: root, directory: point.directory)
        if let node = top["layers"] {
            let l = try node.int()
            guard (1...shape.layers).contains(l) else { throw node.error("must be 1…\(shape.layers) (the model's blocks), got \(l)") }
            shape.layers = l
        }
        let architecture: Architecture
        if let node = top["architecture"] {
            architecture = Architecture(rawValue: try node.choice(Architecture.allCases.map(\.rawValue))) ?? .baseline
        } else {
            architecture = .baseline
        }
        // A ViT's tokens are its patches and the class token (197 for 224² images of 16² patches).
        let tokens = try top["tokens"]?.int() ?? (shape.family == .vit ? imageTokens ?? 197 : 128)
        if tokens < 1 { throw top["tokens"]!.error("the context length must be ≥ 1, got \(tokens)") }
        var ffnKeep: Int?
        if let node = top["ffn_keep"] {
            let k = try node.int()
            guard architecture == .aero else { throw node.error("ffn_keep applies to architecture aero only (this run: \(architecture.rawValue))") }
            guard (0...shape.layers).contains(k) else { throw node.error("must be 0…\(shape.layers), got \(k)") }
            ffnKeep = k
        }

        var profile = try protocolProfile(top["protocol"], directory: point.directory, root: root, cache: &profiles)
        if let node = top["precision"] { try applyPrecision(node, to: &profile) }
        if let node = top["approximations"] { try applyApproximations(node, to: &profile) }
        if let node = top["compute_scale"] {
            let factor = try node.double()
            do { profile = try profile.scalingCompute(by: factor) } catch { throw node.error(error.description) }
        }

        let network = try network(top["network"])
        let fidelity = Fidelity(rawValue: try top["fidelity"]?.choice(Fidelity.allCases.map(\.rawValue)) ?? "execute") ?? .execute
        if fidelity == .estimate, profile.fieldModulus != nil {
            throw (top["fidelity"] ?? root).error("estimate fidelity needs a Z/2^k profile; \(profile.name) shares over a prime field (use execute)")
        }
        let seedValue: UInt64
        if let node = top["seed"] {
            guard let s = UInt64(try node.string()) else { throw node.error("expected an integer 0…2^64−1") }
            seedValue = s
        } else {
            seedValue = 1
        }
        var request = RunRequest(model: shape, architecture: architecture, profile: profile, network: network, tokens: tokens,
                                 ffnKeep: ffnKeep, includeEmbeddings: try top["embeddings"]?.bool() ?? true,
                                 causalMask: try top["causal_mask"]?.bool() ?? shape.design.causal, seed: seedValue)
        if let node = top["generate"] {
            request.generate = try node.int()
            guard request.generate >= 0 else { throw node.error("the tokens to generate must be ≥ 0, got \(request.generate)") }
            guard request.generate <= ScenarioDocument.maximumGeneratedTokens else {
                throw node.error("at most \(ScenarioDocument.maximumGeneratedTokens) generated tokens, got \(request.generate)")
            }
        }
        if let node = top["batch"] {
            request.batch = try node.int()
            guard request.batch >= 1 else { throw node.error("the batch must be ≥ 1, got \(request.batch)") }
        }
        if let node = top["attention"] { request.attention = try node.choice(ModelConfiguration.attentionFunctions) }
        if let node = top["weights"] {
            let given = try node.string()
            let path = given.hasPrefix("/") ? given : URL(fileURLWithPath: point.directory).appendingPathComponent(given).path
            do { request.weightFile = try WeightFile.load(path: path) } catch { throw node.error(error.description) }
            do { _ = try ModelRunner.modelWeights(request) } catch { throw node.error(error.description) }
        }
        do { _ = try ModelRunner.configuration(request, exact: false) } catch let e as CustomStringConvertible & Error {
            throw root.error(e.description)
        } catch {
            throw root.error("\(error)")
        }
        return Scenario(name: name, assignments: point.assignments.map { Assignment(key: $0.key, value: $0.value) },
                        request: request, fidelity: fidelity)
    }

    /// `model`: a preset name, or a mapping {preset? | hf_config?, family?, name, layers,
    /// heads, kv_heads, width, ffn_width, vocabulary}: a preset's or a Hugging Face
    /// `config.json`'s shape (path relative to the scenario) with any key replaced, or a
    /// custom shape of a family (default gpt2). Also the tokens of one image for ViT configs.
    static func model(_ node: YAMLNode?, root: YAMLNode, directory: String) throws(FileError) -> (ModelShape, Int?) {
        guard let node else { return (ModelShape.presets[0], nil) }
        if case .scalar = node.node {
            return (try preset(node), nil)
        }
        let m = try node.mapping(allowed: modelKeys)
        var shape: ModelShape
        var imageTokens: Int?
        if m["preset"] != nil, let c = m["hf_config"] { throw c.error("give a preset or an hf_config, not both") }
        if let p = m["preset"] {
            shape = try preset(p)
        } else if let c = m["hf_config"] {
            let given = try c.string()
            let path = given.hasPrefix("/") ? given : URL(fileURLWithPath: directory).appendingPathComponent(given).path
            do { (shape, imageTokens) = try HuggingFaceConfig.load(path: path) } catch { throw c.error(error.description) }
        } else {
            let missing = ["layers", "heads", "width", "ffn_width", "vocabulary"].filter { m[$0] == nil }
            guard missing.isEmpty else { throw node.error("a custom model needs \(missing.joined(separator: ", ")) (or a preset or hf_config to start from)") }
            var family = ModelFamily.gpt2
            if let f = m["family"] { family = ModelFamily(rawValue: try f.choice(ModelFamily.allCases.map(\.rawValue))) ?? .gpt2 }
            shape = ModelShape(name: "custom", layers: 1, heads: 1, width: 1, ffnWidth: 1, vocabulary: 1, family: family)
        }
        if let f = m["family"], m["preset"] != nil || m["hf_config"] != nil {
            throw f.error("family comes with the preset or config (\(shape.family.rawValue)); set it only for a custom shape")
        }
        if let v = m["name"] { shape.name = try v.string() }
        let groupedHeads = shape.kvHeads != shape.heads
        for (key, path) in [("layers", \ModelShape.layers), ("heads", \.heads), ("kv_heads", \.kvHeads), ("width", \.width),
                            ("ffn_width", \.ffnWidth), ("vocabulary", \.vocabulary)] as [(String, WritableKeyPath<ModelShape, Int>)] {
            if let v = m[key] {
                let n = try v.int()
                guard n >= 1 else { throw v.error("must be ≥ 1, got \(n)") }
                shape[keyPath: path] = n
            }
        }
        // Multi-head models keep one key/value head per query head when the heads change.
        if m["heads"] != nil, m["kv_heads"] == nil, !groupedHeads { shape.kvHeads = shape.heads }
        do { try shape.validate() } catch { throw node.error(error.description) }
        return (shape, imageTokens)
    }

    static func preset(_ node: YAMLNode) throws(FileError) -> ModelShape {
        let name = try node.choice(ModelShape.presets.map(\.name))
        return ModelShape.presets.first { $0.name == name } ?? ModelShape.presets[0]
    }

    static func protocolProfile(_ node: YAMLNode?, directory: String, root: YAMLNode,
                                cache: inout [String: ProtocolProfile]) throws(FileError) -> ProtocolProfile {
        guard let node else { throw root.error("missing required key 'protocol' (a profile under protocols/, e.g. bumblebee)") }
        let name = try node.string()
        if let p = cache[name] { return p }
        let sibling = URL(fileURLWithPath: directory).appendingPathComponent("../protocols").standardized.path
        let resolved = name.hasSuffix(".yaml") && !name.hasPrefix("/") ? URL(fileURLWithPath: directory).appendingPathComponent(name).path : name
        do {
            let p = try ProtocolProfile.load(resolved, directory: sibling)
            cache[name] = p
            return p
        } catch {
            if error.file.hasSuffix(".yaml"), FileManager.default.fileExists(atPath: error.file) { throw error } // inside the profile
            throw node.error(error.message)
        }
    }

    /// `network`: a preset name, or {preset?, name, bandwidth_mbps, rtt_ms, duplex, source}
    /// (a preset's figures unless replaced; without one, bandwidth and RTT together or
    /// neither (the default, wan); `duplex` is full or half, default full).
    static func network(_ node: YAMLNode?) throws(FileError) -> NetworkModel {
        guard let node else { return .wan }
        func preset(_ node: YAMLNode) throws(FileError) -> NetworkModel {
            let name = try node.choice(NetworkModel.presets.map(\.name))
            return NetworkModel.presets.first { $0.name == name } ?? .wan
        }
        if case .scalar = node.node { return try preset(node) }
        let m = try node.mapping(allowed: networkKeys)
        // Neither a preset nor a link: the default network (wan) with the keys given (duplex).
        let base = try m["preset"].map(preset) ?? (m["bandwidth_mbps"] == nil && m["rtt_ms"] == nil ? NetworkModel.wan : nil)
        if base == nil {
            for key in ["bandwidth_mbps", "rtt_ms"] where m[key] == nil {
                throw node.error("missing required key '\(key)' (or a preset to start from: \(NetworkModel.presets.map(\.name).joined(separator: ", ")))")
            }
        }
        let duplex = try m["duplex"].map { (n: YAMLNode) throws(FileError) -> NetworkModel.Duplex in
            NetworkModel.Duplex(rawValue: try n.choice(NetworkModel.Duplex.allCases.map(\.rawValue))) ?? .full
        }
        let bandwidth = try m["bandwidth_mbps"].map { (n: YAMLNode) throws(FileError) in try n.double() * 1e6 } ?? base?.bandwidthBitsPerSecond ?? 0
        let rtt = try m["rtt_ms"].map { (n: YAMLNode) throws(FileError) in try n.double() / 1000 } ?? base?.roundTripSeconds ?? 0
        let changed = m.keys.contains { ["bandwidth_mbps", "rtt_ms", "duplex"].contains($0) }
        do {
            return try NetworkModel(name: try m["name"]?.string() ?? (changed ? "custom" : base?.name ?? "custom"),
                                    bandwidthBitsPerSecond: bandwidth, roundTripSeconds: rtt, duplex: duplex ?? base?.duplex ?? .full,
                                    source: try m["source"]?.string() ?? (changed || base == nil ? "scenario file" : base?.source ?? ""))
        } catch {
            throw (m["bandwidth_mbps"] ?? m["rtt_ms"] ?? node).error("\(error)")
        }
    }

    /// `precision`: ring and fractional bits (two-party) or scaling bits, depth, ring
    /// dimension (CKKS), re-validated against the profile.
    static func applyPrecision(_ node: YAMLNode, to profile: inout ProtocolProfile) throws(FileError) {
        if var ckks = profile.ckks {
            let m = try node.mapping(allowed: ckksPrecisionKeys)
            if let v = m["scaling_bits"] { ckks.parameters.scalingBits = try v.count() }
            if let v = m["depth"] { ckks.parameters.multiplicativeDepth = try v.count() }
            if let v = m["ring_dimension"] { ckks.parameters.ringDimension = try v.count() }
            if let v = m["first_prime_bits"] { ckks.parameters.firstPrimeBits = try v.count() }
            do { try ckks.parameters.validate() } catch { throw node.error("\(error.description) (profile \(profile.name))") }
            profile.ckks = ckks
            return
        }
        let m: [String: YAMLNode]
        do { m = try node.mapping(allowed: twoPartyPrecisionKeys) } catch {
            if ckksPrecisionKeys.contains(where: { error.key.hasSuffix(".\($0)") }) {
                throw FileError(file: error.file, line: error.line, key: error.key,
                                message: "applies to CKKS profiles; \(profile.name) is two-party (keys: \(twoPartyPrecisionKeys.joined(separator: ", ")))")
            }
            throw error
        }
        if let v = m["ring_bits"] {
            guard profile.fieldModulus == nil else { throw v.error("\(profile.name) shares over a prime field; ring_bits does not apply") }
            profile.settings.ringBits = try v.count()
        }
        if let v = m["fractional_bits"] { profile.settings.fractionalBits = try v.count() }
        do { try profile.settings.validate() } catch { throw node.error(error.description) }
    }

    /// `approximations`: per nonlinearity, options merged over the profile's.
    static func applyApproximations(_ node: YAMLNode, to profile: inout ProtocolProfile) throws(FileError) {
        let entries = try node.mapping(allowed: ApproximationCatalog.methods.map(\.function))
        for (function, entry) in entries {
            let m = try entry.mapping(allowed: approximationKeys)
            var o = profile.nonlinearities[function] ?? ApproximationOptions()
            o.maxMethod = profile.maxMethod
            try ProtocolProfile.applyOptions(m, function: function, node: entry, to: &o)
            profile.nonlinearities[function] = o
        }
    }
}

/// A scenario run and its report.
public struct ScenarioResult: Sendable {
    public var scenario: Scenario
    public var report: RunReport

    public init(scenario: Scenario, report: RunReport) {
        self.scenario = scenario
        self.report = report
    }
}

extension Scenario {
    /// Runs at the scenario's fidelity; `progress` gets (blocks done, blocks) in execute runs.
    ///
    /// - Throws: configuration errors the resolver could not see (CKKS estimate, …).
    public func run(progress: ((Int, Int) -> Void)? = nil) throws -> ScenarioResult {
        let report = switch fidelity {
        case .execute: try ModelRunner.execute(request, progress: progress)
        case .estimate: try ModelRunner.estimate(request)
        }
        return ScenarioResult(scenario: self, report: report)
    }
}
