import Approximation
import TwoParty
import Homomorphic

/// The homomorphic part of a profile: CKKS parameters, the latency table and how
/// comparisons are approximated.
public struct CKKSProfile: Sendable {
    public var parameters: CKKSParameters
    public var latency: HELatencyTable?
    public var comparisonBound: Double
    public var comparisonIterations: Int
    /// Add the CKKS noise model's Gaussian noise (encryption, rescale, key switching).
    public var noiseModel: Bool = false

    /// A simulator with these parameters, latencies, comparison settings and noise model.
    ///
    /// - Throws: `CKKSError.invalidParameters`.
    public func backend(seed: UInt64, tracksValues: Bool = true) throws(CKKSError) -> CKKSBackend {
        let b = try CKKSBackend(parameters: parameters, latency: latency, comparisonBound: comparisonBound,
                                comparisonIterations: comparisonIterations, seed: seed, tracksValues: tracksValues)
        if noiseModel { b.noiseModel = NoiseModel() }
        return b
    }
}

extension ProtocolProfile {
    static let ckksParameterKeys = ["ring_dimension", "scaling_bits", "first_prime_bits", "depth", "special_primes",
                                    "special_prime_bits", "security", "bootstrap_depth", "bootstrap_precision_bits", "policy",
                                    "comparison_bound", "comparison_iterations", "noise_model"]
    static let latencyKeys = ["reference_ring_dimension", "reference_limbs"] + HELatencyTable.Operation.allCases.map(\.rawValue)

    /// A `kind: ckks` profile: every parameter and latency {value, source}; the CKKS
    /// parameters are validated (security bound, scale against modulus, bootstrap depth).
    static func parseCKKS(_ top: [String: YAMLNode], name: String, file: String,
                          citations: inout [String: String]) throws(FileError) -> ProtocolProfile {
        let section = top["parameters"]!
        let p = try section.mapping(allowed: ckksParameterKeys, required: ["ring_dimension", "scaling_bits", "depth", "security"])
        var parameters = CKKSParameters()
        var bound = 16.0, iterations = 10, noise = false
        for (key, node) in p {
            let v = try cited(node, &citations)
            switch key {
            case "ring_dimension": parameters.ringDimension = try v.count()
            case "scaling_bits": parameters.scalingBits = try v.count()
            case "first_prime_bits": parameters.firstPrimeBits = try v.count()
            case "depth": parameters.multiplicativeDepth = try v.count()
            case "special_primes": parameters.specialPrimes = try v.count()
            case "special_prime_bits": parameters.specialPrimeBits = try v.count()
            case "security": parameters.security = SecurityLevel(rawValue: try v.choice(["128", "192", "256", "none"])) ?? .bits128
            case "bootstrap_depth": parameters.bootstrapDepth = try v.count()
            case "bootstrap_precision_bits": parameters.bootstrapPrecisionBits = try v.nonNegative()
            case "policy": parameters.policy = BootstrapPolicy(rawValue: try v.choice(["fail", "automatic"])) ?? .fail
            case "comparison_bound": bound = try v.nonNegative()
            case "noise_model": noise = try v.bool()
            default: iterations = try v.count()
            }
        }
        do { try parameters.validate() } catch { throw section.error(error.description) }

        var latency: HELatencyTable?
        if let node = top["latency"] {
            let m = try node.mapping(allowed: latencyKeys, required: ["reference_ring_dimension", "reference_limbs"])
            var seconds = [HELatencyTable.Operation: Double]()
            for op in HELatencyTable.Operation.allCases { if let v = m[op.rawValue] { seconds[op] = try cited(v, &citations).nonNegative() } }
            let n = try cited(m["reference_ring_dimension"]!, &citations).count(), limbs = try cited(m["reference_limbs"]!, &citations).count()
            guard n > 0, limbs > 0 else { throw node.error("reference ring dimension and limbs must be positive") }
            latency = HELatencyTable(referenceRingDimension: n, referenceLimbs: limbs, seconds: seconds, source: citations[node.path] ?? "")
        }
        let nonlinearities = try parseNonlinearities(top["nonlinearities"], maxMethod: .backend, citations: &citations)
        return ProtocolProfile(name: name, description: try top["description"]?.string() ?? "", file: file, settings: TwoPartySettings(),
                               maxMethod: .backend, fieldModulus: nil, linear: .beaver, nonlinearities: nonlinearities,
                               citations: citations, ckks: CKKSProfile(parameters: parameters, latency: latency,
                                                                        comparisonBound: bound, comparisonIterations: iterations,
                                                                        noiseModel: noise))
    }
}
