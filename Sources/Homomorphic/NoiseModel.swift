import Foundation
import Randomness

/// An optional noise model for the simulator: Gaussian noise added to slot values at
/// encryption, rescale and key switching, with standard deviations taken from the
/// high-probability canonical-embedding bounds of the CKKS analysis (Cheon, Kim, Kim & Song,
/// ASIACRYPT 2017, Lemmas 1–3, with the ternary-secret constants of Kim, Papadimitriou &
/// Polyakov, CT-RSA 2022, §3):
///
/// - fresh encryption: B_clean = 8√2·σN + 6σ√N + 16σ√(hN);
/// - rescale: B_scale = √(N/3)·(3 + 8√h);
/// - key switching (relinearisation, rotation), after division by P: B_ks = 8σN/√3 / P + B_scale.
///
/// Each bound covers about six standard deviations of a slot's error, so the simulator adds
/// N(0, (B/6)²) to the integer slot values. σ = 3.2 (the HE standard's error width); h is the
/// secret's Hamming weight (≈ 2N/3 for a uniform ternary secret).
public struct NoiseModel: Sendable, Hashable {
    public var sigma: Double = 3.2
    /// Hamming weight of the secret; nil: 2N/3.
    public var hammingWeight: Double?

    public init(sigma: Double = 3.2, hammingWeight: Double? = nil) {
        self.sigma = sigma
        self.hammingWeight = hammingWeight
    }

    func h(_ n: Int) -> Double { hammingWeight ?? 2 * Double(n) / 3 }

    /// Standard deviations (in integer units of the slot values) of each noise source.
    public func freshDeviation(ringDimension n: Int) -> Double {
        let N = Double(n)
        return (8 * 2.0.squareRoot() * sigma * N + 6 * sigma * N.squareRoot() + 16 * sigma * (h(n) * N).squareRoot()) / 6
    }

    public func rescaleDeviation(ringDimension n: Int) -> Double {
        (Double(n) / 3).squareRoot() * (3 + 8 * h(n).squareRoot()) / 6
    }

    public func keySwitchDeviation(ringDimension n: Int, specialModulus p: Double) -> Double {
        8 * sigma * Double(n) / 3.0.squareRoot() / p / 6 + rescaleDeviation(ringDimension: n)
    }
}

extension ChaChaRandom {
    /// A standard normal sample (Box–Muller).
    mutating func nextGaussian() -> Double {
        let u1 = max(Double(next() >> 11) / Double(1 << 53), 1e-300), u2 = Double(next() >> 11) / Double(1 << 53)
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }
}
