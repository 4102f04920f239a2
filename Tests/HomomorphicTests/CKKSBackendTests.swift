import Foundation
import Testing
import Approximation
import Arithmetic
import Backend
import CostModel
import Tensors
@testable import Homomorphic

func params(depth: Int = 10, bits: Int = 40, n: Int = 32768, bootstrap: Int? = nil, policy: BootstrapPolicy = .fail) -> CKKSParameters {
    CKKSParameters(ringDimension: n, scalingBits: bits, firstPrimeBits: 60, multiplicativeDepth: depth, specialPrimes: 1,
                   specialPrimeBits: 60, security: .bits128, bootstrapDepth: bootstrap, policy: policy)
}

@Suite("CKKS simulator")
struct CKKSBackendTests {
    @Test func securityAndParameterChecks() throws {
        // N = 8192 allows log QP ≤ 218: 60 + 10·40 + 60 = 520 is refused with the bound named.
        do {
            _ = try CKKSBackend(parameters: params(n: 8192))
            Issue.record("insecure parameters accepted")
        } catch {
            #expect(error.description.contains("exceeds 218"))
        }
        var toy = params(n: 8192)
        toy.security = .none
        #expect(throws: Never.self) { try toy.validate() }
        #expect(throws: CKKSError.self) { try CKKSParameters(ringDimension: 3000).validate() }
        #expect(throws: CKKSError.self) { try CKKSParameters(scalingBits: 50, firstPrimeBits: 40).validate() }
        #expect(throws: CKKSError.self) { try CKKSParameters(multiplicativeDepth: 4, bootstrapDepth: 4).validate() }
    }

    /// A public product by a scalar tensor is charged as a product by the same constant:
    /// one plaintext product and one rescale at the input's level (its limbs), whether or
    /// not values are tracked.
    @Test func publicAndConstantProductsAreChargedAlike() throws {
        let table = HELatencyTable(referenceRingDimension: 32768, referenceLimbs: 11,
                                   seconds: [.plaintextMultiply: 0.01, .rescale: 0.02], source: "test")
        for values in [true, false] {
            func totals(_ body: (CKKSBackend, CKKSBackend.Value) -> CKKSBackend.Value) throws -> (CostTotals, Int) {
                let b = try CKKSBackend(parameters: params(depth: 6), latency: table, tracksValues: values)
                let x = b.input(try Tensor(shape: [4, 8], scalars: (0..<32).map { Double($0) / 32 }))
                let once = b.multiplyConstant(x, 0.5)  // down one level first: the limbs matter
                b.ledger.reset()
                let y = body(b, once)
                return (b.ledger.totals(), y.level)
            }
            let (constant, lc) = try totals { b, x in b.multiplyConstant(x, 0.3) }
            let (publicScalar, lp) = try totals { b, x in b.multiplyPublic(x, try! Tensor(shape: [1], scalars: [0.3])) }
            #expect(constant.computeSeconds > 0 && constant.computeSeconds == publicScalar.computeSeconds, "values tracked: \(values)")
            #expect(constant.rescales == publicScalar.rescales && constant.depth == publicScalar.depth && lc == lp)
        }
    }

    @Test func primesAreNTTFriendly() throws {
        let p = params(depth: 6)
        let (chain, scales) = p.chain()
        #expect(chain.count == 7)
        // Scales stay near 2^40 instead of drifting.
        for s in scales { #expect(abs(s / 0x1p40 - 1) < 1e-4) }
        for q in chain {
            #expect(q.isProbablePrime())
            #expect((q - 1).modulo(BigInteger(2 * p.ringDimension)) == 0)
        }
        #expect(chain[0].bitWidth == 60 && chain[1].bitWidth == 40)
    }

    /// Products rescale to Δ_{ℓ+1} = Δ_ℓ²/q, constants land on the same scale, and values
    /// stay exact to the rounding of encoding and rescaling (≈ 2^−40 relative).
    @Test func scaleBookkeepingIsExact() throws {
        let b = try CKKSBackend(parameters: params())
        let x = Tensor([1.5, -2.25, 0.125, 3]), y = Tensor([0.5, 4, -8, -0.75])
        let cx = b.input(x), cy = b.input(y)
        let p = b.multiply(cx, cy)
        #expect(p.level == 1)
        #expect(b.scale(atLevel: 1) == b.scale(atLevel: 0) * b.scale(atLevel: 0) / b.primes[10].doubleValue)
        let c = b.multiplyConstant(cx, 0.3)
        #expect(c.level == 1)
        let sum = b.reveal(b.add(p, c)).scalars
        for i in 0..<4 { #expect(abs(sum[i] - (x.scalars[i] * y.scalars[i] + 0.3 * x.scalars[i])) < 1e-9) }
        // Adding a fresh ciphertext to a level-2 one raises it first (level adjustment).
        let deep = b.multiply(p, cy)
        let mixed = b.add(deep, cx)
        #expect(mixed.level == 2)
        let v = b.reveal(mixed).scalars
        for i in 0..<4 { #expect(abs(v[i] - (x.scalars[i] * y.scalars[i] * y.scalars[i] + x.scalars[i])) < 1e-8) }
    }

    @Test func runningOutOfLevelsFollowsThePolicy() throws {
        let strict = try CKKSBackend(parameters: params(depth: 3))
        var v = strict.input(Tensor([0.9]))
        for _ in 0..<4 { v = strict.multiply(v, v) }
        #expect(strict.failure == .outOfLevels(scope: "", level: 3, depth: 3))

        let automatic = try CKKSBackend(parameters: params(depth: 4, bootstrap: 2, policy: .automatic))
        var w = automatic.input(Tensor([0.9]))
        for _ in 0..<6 { w = automatic.multiply(w, w) }
        #expect(automatic.failure == nil)
        #expect(automatic.ledger.totals().bootstraps == 2)
        #expect(abs(automatic.reveal(w).scalars[0] - pow(0.9, 64)) < 1e-4)
    }

    /// The level a Chebyshev evaluation ends at equals the operation counter's depth and
    /// OpenFHE's table (degrees 5 … 119 on a general interval need depth 4 … 8).
    @Test func chebyshevDepthOnCiphertexts() throws {
        for (degree, expected) in [(5, 4), (13, 5), (27, 6), (59, 7), (119, 8)] {
            let b = try CKKSBackend(parameters: params(depth: 10))
            let s = PolynomialFitter.chebyshevInterpolant(.sigmoid, degree: degree, on: try Interval(-8, 8))
            let xs = Tensor(try Interval(-8, 8).uniformGrid(count: 33))
            let y = PolynomialEvaluator.evaluate(s, at: b.input(xs), on: b, schedule: .chebyshevBSGS)
            #expect(y.level == expected, "degree \(degree)")
            // Precision at Δ = 2^40: the rounding of each product and rescale (≈ 2^−40 relative to
            // the coefficients' size) stays far below 1e-8.
            let v = b.reveal(y).scalars
            for (x, value) in zip(xs.scalars, v) { #expect(abs(value - s(x)) < 1e-8, "degree \(degree) at \(x)") }
        }
    }

    @Test func rowSumsCostRotations() throws {
        let b = try CKKSBackend(parameters: params(depth: 4))
        let x = try Tensor(shape: [2, 128], element: { Double($0 % 7) / 7 })
        let s = b.reveal(b.sum(b.input(x), alongAxis: -1)).scalars
        #expect(abs(s[0] - x.scalars[0..<128].reduce(0, +)) < 1e-9)
        #expect(b.ledger.totals().rotations == 7)   // ⌈log2 128⌉ on one ciphertext
    }
}

@Suite("CKKS noise model")
struct NoiseModelTests {
    /// Fresh-encryption noise: per-slot error ≈ B_clean/6 ÷ Δ (σ = 3.2, N = 2^14, h = 2N/3):
    /// the empirical standard deviation over 4096 slots is within 10 % of the model's.
    @Test func freshNoiseMatchesTheModel() throws {
        let b = try CKKSBackend(parameters: params(depth: 4, n: 16384))
        b.noiseModel = NoiseModel()
        let x = Tensor([Double](repeating: 0.25, count: 4096))
        let errors = b.reveal(b.input(x)).scalars.map { $0 - 0.25 }
        let sd = (errors.reduce(0) { $0 + $1 * $1 } / Double(errors.count)).squareRoot()
        let predicted = NoiseModel().freshDeviation(ringDimension: 16384) / 0x1p40
        #expect(abs(sd / predicted - 1) < 0.1)
        // Noise makes a Chebyshev evaluation less precise than the noiseless simulator, but
        // still far below the approximation error of a degree-27 fit.
        let s = PolynomialFitter.chebyshevInterpolant(.sigmoid, degree: 27, on: try Interval(-8, 8))
        let xs = Tensor(try Interval(-8, 8).uniformGrid(count: 65))
        let y = b.reveal(PolynomialEvaluator.evaluate(s, at: b.input(xs), on: b, schedule: .chebyshevBSGS)).scalars
        let worst = zip(xs.scalars, y).map { abs(s($0) - $1) }.max() ?? 0
        #expect(worst > 1e-9 && worst < 1e-4)
    }
}

@Suite("CKKS level drop and conjugation")
struct LevelDropTests {
    @Test func dropKeepsTheValueAndConjugationCostsAKeySwitch() throws {
        let b = try CKKSBackend(parameters: params(depth: 6))
        let x = b.input(Tensor([0.5, -1.25]))
        let d = b.droppedToLevel(x, 4)
        #expect(d.level == 4)
        let v = b.reveal(d).scalars
        #expect(abs(v[0] - 0.5) < 1e-10 && abs(v[1] + 1.25) < 1e-10)
        _ = b.conjugate(d)
        #expect(b.ledger.totals().rotations == 1)
    }
}
