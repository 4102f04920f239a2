import Arithmetic

/// Security levels of the Homomorphic Encryption Standard (ternary secrets, classical).
public enum SecurityLevel: String, Sendable, CaseIterable {
    case bits128 = "128", bits192 = "192", bits256 = "256"
    /// No check (toy parameters); must be asked for explicitly.
    case none

    /// Largest log2(QP) for ring dimension N (openfheorg/openfhe-development @ ed361af2,
    /// src/core/lib/lattice/stdlatticeparms.cpp:169-192, HEStd_ternary, classical).
    static let maxLogQP: [Int: (Int, Int, Int)] = [
        1024: (27, 19, 14), 2048: (54, 37, 29), 4096: (109, 75, 58), 8192: (218, 152, 118),
        16384: (438, 305, 237), 32768: (881, 611, 476), 65536: (1747, 1199, 929), 131072: (3523, 2411, 1866),
    ]

    public func maxLogQP(ringDimension n: Int) -> Int? {
        guard let row = Self.maxLogQP[n] else { return nil }
        switch self {
        case .bits128: return row.0
        case .bits192: return row.1
        case .bits256: return row.2
        case .none: return Int.max
        }
    }
}

/// What happens when a computation needs more levels than remain.
public enum BootstrapPolicy: String, Sendable {
    /// Record the failure (the run reports it as an error).
    case fail
    /// Bootstrap the operand first, and report where.
    case automatic
}

/// CKKS parameters: ring dimension, modulus chain, special primes, scale, security.
public struct CKKSParameters: Sendable {
    /// N: the ring dimension (slots = N/2).
    public var ringDimension: Int
    /// Bits of each rescaling prime; the scale Δ starts at 2^scalingBits.
    public var scalingBits: Int
    /// Bits of the first (base) prime, which holds the integer part of decrypted values.
    public var firstPrimeBits: Int
    /// L: how many rescaling primes the chain has (the multiplicative depth budget).
    public var multiplicativeDepth: Int
    /// Special primes for hybrid key switching (dnum) and their size.
    public var specialPrimes: Int
    public var specialPrimeBits: Int
    public var security: SecurityLevel
    /// Levels a bootstrap consumes (nil: bootstrapping not available).
    public var bootstrapDepth: Int?
    /// Bits of precision of a bootstrapped value (its output error ≈ 2^−bits relative to the bound).
    public var bootstrapPrecisionBits: Double
    public var policy: BootstrapPolicy

    public init(ringDimension: Int = 16384, scalingBits: Int = 40, firstPrimeBits: Int = 60, multiplicativeDepth: Int = 8,
                specialPrimes: Int = 1, specialPrimeBits: Int = 60, security: SecurityLevel = .bits128,
                bootstrapDepth: Int? = nil, bootstrapPrecisionBits: Double = 20, policy: BootstrapPolicy = .fail) {
        self.ringDimension = ringDimension
        self.scalingBits = scalingBits
        self.firstPrimeBits = firstPrimeBits
        self.multiplicativeDepth = multiplicativeDepth
        self.specialPrimes = specialPrimes
        self.specialPrimeBits = specialPrimeBits
        self.security = security
        self.bootstrapDepth = bootstrapDepth
        self.bootstrapPrecisionBits = bootstrapPrecisionBits
        self.policy = policy
    }

    public var slots: Int { ringDimension / 2 }

    /// log2 Q + log2 P: the modulus the security standard bounds.
    public var logQP: Int { firstPrimeBits + multiplicativeDepth * scalingBits + specialPrimes * specialPrimeBits }

    /// - Throws: `CKKSError.invalidParameters` saying which bound failed.
    public func validate() throws(CKKSError) {
        guard ringDimension >= 1024, ringDimension <= 131072, ringDimension & (ringDimension - 1) == 0 else {
            throw .invalidParameters("ring dimension must be a power of two in 2^10…2^17, got \(ringDimension)")
        }
        guard (20...60).contains(scalingBits) else { throw .invalidParameters("scaling primes must have 20…60 bits, got \(scalingBits)") }
        guard firstPrimeBits >= scalingBits, firstPrimeBits <= 61 else {
            throw .invalidParameters("the first prime (\(firstPrimeBits) bits) must be at least the scale (\(scalingBits) bits) and at most 61 bits: the scale would exceed the modulus")
        }
        guard multiplicativeDepth >= 1, multiplicativeDepth <= 200 else { throw .invalidParameters("depth must be 1…200, got \(multiplicativeDepth)") }
        guard specialPrimes >= 0, (20...61).contains(specialPrimeBits) else { throw .invalidParameters("special primes: count ≥ 0, 20…61 bits") }
        if let d = bootstrapDepth {
            guard d >= 1, d < multiplicativeDepth else {
                throw .invalidParameters("bootstrapping consumes \(d) levels but the chain has \(multiplicativeDepth): nothing would remain")
            }
        }
        if let bound = security.maxLogQP(ringDimension: ringDimension), logQP > bound {
            throw .invalidParameters("log2(QP) = \(logQP) exceeds \(bound), the \(security.rawValue)-bit bound for N = \(ringDimension) (HE standard, ternary secret); raise N, lower the depth, or set security none")
        }
    }

    /// The modulus chain q_0 (first) … q_L and the scale Δ_ℓ of each level ℓ (levels
    /// consumed). Rescaling at level ℓ drops q_{L−ℓ} and gives Δ_{ℓ+1} = Δ_ℓ²/q_{L−ℓ}; each
    /// rescaling prime is chosen ≡ 1 (mod 2N) and nearest to the scale it divides, as
    /// OpenFHE does for FLEXIBLEAUTO, so the scales stay within a few parts in 2^(bits−log2 2N)
    /// of 2^bits instead of drifting geometrically.
    func chain() -> (primes: [BigInteger], scales: [Double]) {
        let step = BigInteger(2 * ringDimension)
        var used = [BigInteger]()
        func prime(near target: BigInteger, below limit: BigInteger?) -> BigInteger {
            var k = target / step
            // Search outward from the candidate nearest to the target.
            for offset in 0..<1_000_000 {
                for sign in [0, 1] {
                    let kk = sign == 0 ? k + BigInteger(offset) : k - BigInteger(offset + 1)
                    let p = kk * step + 1
                    if let limit, p >= limit { continue }
                    if p > 2, p.isProbablePrime(rounds: 25), !used.contains(p) { return p }
                }
            }
            k = target / step
            return k * step + 1 // unreachable for realistic sizes
        }
        var scales = [Double(sign: .plus, exponent: scalingBits, significand: 1)]
        var rescaling = [BigInteger]()   // q_L, q_{L−1}, …, q_1 in the order they are dropped
        for l in 0..<multiplicativeDepth {
            let q = prime(near: BigInteger(truncating: scales[l].rounded()) ?? .powerOfTwo(scalingBits), below: nil)
            used.append(q)
            rescaling.append(q)
            scales.append(scales[l] * scales[l] / q.doubleValue)
        }
        let first = prime(near: .powerOfTwo(firstPrimeBits) - step, below: .powerOfTwo(firstPrimeBits))
        return ([first] + rescaling.reversed(), scales)
    }
}

/// Errors of the CKKS simulator.
public enum CKKSError: Error, Equatable, CustomStringConvertible {
    case invalidParameters(String)
    case outOfLevels(scope: String, level: Int, depth: Int)
    case overflow(scope: String)

    public var description: String {
        switch self {
        case let .invalidParameters(why): "invalid CKKS parameters: \(why)"
        case let .outOfLevels(scope, level, depth):
            "out of levels at '\(scope)': a ciphertext at level \(level) of \(depth) needs another multiplication; allow bootstrapping (policy automatic) or raise the depth"
        case let .overflow(scope): "a value outgrew the ciphertext modulus at '\(scope)' (it wrapped): lower the scale or the input range"
        }
    }
}
