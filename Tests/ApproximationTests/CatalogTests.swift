import Testing
import Arithmetic
import Backend
import Tensors
@testable import Approximation

@Suite("Nonlinearity catalog")
struct CatalogTests {
    /// Every function and method builds with its defaults and runs in Double and in fixed
    /// point Z/2^64 with f = 16; its operation counts come out of the run.
    @Test func everyEntryRunsInDoubleAndFixedPoint() throws {
        let spec = try FixedPointSpec(parsing: "64:16")
        for (function, methods) in ApproximationCatalog.methods {
            for method in methods {
                var o = ApproximationOptions()
                o.method = method
                o.length = 16
                let a = try ApproximationCatalog.make(function, o)
                let r = try ApproximationReport.measure(a, fixedPoint: spec, samples: 101, rowLength: 16)
                #expect(r.function == a.function)
                #expect(r.fixedPoint != nil && r.quantisation != nil)
                #expect(r.costs.nonscalarMultiplications + r.costs.scalarMultiplications + r.costs.comparisons > 0, "\(function) \(method)")
                // Inside its stated range every method converges to a finite error.
                if r.outOfRange == 0 {
                    #expect(r.approximation.maxAbsolute.isFinite && r.fixedPoint!.maxAbsolute.isFinite, "\(function) \(method)")
                }
            }
        }
    }

    /// CrypTen 0.4.1's exp(−8) and exp(3) with 8 limit iterations, as measured with CrypTen
    /// itself (2.95e-4 and 19.74): the limit formula, not noise, sets these errors.
    @Test func limitExponentialMatchesCrypTen() throws {
        let exp = try LimitExponential(iterations: 8)
        let b = PlaintextBackend()
        let y = b.reveal(exp.evaluate(Tensor([-8.0, 3.0]), on: b)).scalars
        #expect(abs(y[0] - 2.95e-4) < 0.01e-4)
        #expect(abs(y[1] - 19.74) < 0.01)
    }

    /// CrypTen's inverse square root at 0.1 gave 3.1469 (true 3.1623): its 3 Newton steps
    /// from the exp-based start, again an approximation error.
    @Test func newtonInverseSqrtMatchesCrypTen() throws {
        let a = try NewtonInverseSqrt(range: Interval(0.1, 100))
        let b = PlaintextBackend()
        let y = b.reveal(a.evaluate(Tensor([0.1]), on: b)).scalars[0]
        #expect(abs(y - 3.1469) < 0.001)
    }

    /// SPU's normalised Goldschmidt: the factor brings |x| into [0.5, 1); two iterations
    /// from 2.9142 − 2c leave a relative error below 2^−13 for either sign and any magnitude
    /// on the range; the division is a·(1/x) to the same accuracy.
    @Test func spuGoldschmidtNormalisesAndConverges() throws {
        for v in [1.0 / 64, 0.3, 1, 1.5, 7.99, 8, 1000, 65535] {
            let c = v * SPUGoldschmidtReciprocal.normalizingFactor(v)
            #expect(c >= 0.5 && c < 1, "\(v)")
        }
        #expect(SPUGoldschmidtReciprocal.normalizingFactor(0) == 0 && SPUGoldschmidtReciprocal.normalizingFactor(-2) == 0)
        let r = try SPUGoldschmidtReciprocal()
        let b = PlaintextBackend()
        let xs = stride(from: -12.0, through: 16, by: 0.37).map { (i: Double) -> Double in (i < 0 ? -1 : 1) * power(2, Swift.abs(i)) }
        let y = b.reveal(r.evaluate(Tensor(xs), on: b)).scalars
        for (x, yx) in zip(xs, y) { #expect(Swift.abs(yx * x - 1) < 0x1p-13, "1/\(x) = \(yx)") }
        let a = xs.map { $0 / 3 + 0.5 }
        let q = b.reveal(r.divide(b.input(Tensor(a)), by: b.input(Tensor(xs)), on: b)).scalars
        for i in xs.indices { #expect(Swift.abs(q[i] - a[i] / xs[i]) <= 0x1p-13 * Swift.abs(a[i] / xs[i]), "\(a[i])/\(xs[i])") }
        #expect(throws: ApproximationError.self) { try SPUGoldschmidtReciprocal(iterations: 0) }
    }

    @Test func reciprocalMethodsMeetTheirBounds() throws {
        let newton = try NewtonReciprocal(iterations: 10, range: Interval(1, 64))
        let r = try ApproximationReport.measure(newton)
        #expect(r.approximation.maxRelative < 1e-6)
        // Newton: each iteration is one square and one product; CrypTen's start costs 8 squares.
        #expect(r.costs.nonscalarMultiplications == 8 + 2 * 10)
        for k in 1...5 {
            let g = try GoldschmidtReciprocal(iterations: k, range: Interval(1, 8))
            let gr = try ApproximationReport.measure(g)
            #expect(gr.approximation.maxRelative <= g.predictedRelativeError * (1 + 1e-9) + 1e-15)
            #expect(gr.costs.nonscalarMultiplications == 2 * (k - 1))
        }
        #expect(throws: ApproximationError.self) { try NewtonReciprocal(range: Interval(1, 1000)) }
        #expect(throws: ApproximationError.self) { try GoldschmidtReciprocal(iterations: 3, range: Interval(-1, 1)) }
    }

    /// PUMA reports "max error < 0.01403" for its GELU, but its degree-6 piece gives
    /// F1(3) = 3.01585 against GELU(3) = 2.99595 at the segment's end, so the measured
    /// maximum is 0.0199 (at x → 3). BumbleBee's degree-4 piece stays within 0.0053.
    @Test func piecewiseGELUs() throws {
        let puma = try ApproximationReport.measure(PiecewisePolynomial.pumaGELU, evaluationRange: Interval(-8, 8), samples: 16001)
        #expect(puma.approximation.maxAbsolute > 0.0195 && puma.approximation.maxAbsolute < 0.0200)
        #expect(abs(puma.approximation.argmaxAbsolute - 3) < 0.01)
        #expect(puma.costs.comparisons == 1)   // three thresholds in one batched call
        let bb = try ApproximationReport.measure(PiecewisePolynomial.bumblebeeGELU, evaluationRange: Interval(-8, 8), samples: 16001)
        #expect(bb.approximation.maxAbsolute < 0.0053)
        #expect(bb.costs.comparisons == 1)     // x < −3, x < 0, x < 3 batched, as BumbleBee's BatchLessThan
    }

    @Test func reluAndCompositeSign() throws {
        let exact = try ApproximationReport.measure(ReLUApproximation(), evaluationRange: Interval(-4, 4))
        #expect(exact.approximation.maxAbsolute == 0)
        let composite = ReLUApproximation(sign: .composite(iterations: 12, bound: 4), range: try Interval(-4, 4))
        let r = try ApproximationReport.measure(composite, evaluationRange: Interval(-4, 4), samples: 4001)
        // Away from 0 the composite sign is exact to rounding; near 0 the ReLU error is ≤ |x|/2.
        #expect(r.approximation.maxAbsolute < 0.02)
        #expect(r.costs.comparisons == 0)
    }

    @Test func softmaxFamilyAgainstReferences() throws {
        var o = ApproximationOptions()
        o.length = 32
        let softmax = try ApproximationCatalog.make("softmax", o)
        let s = try ApproximationReport.measure(softmax, rowLength: 32)
        #expect(s.approximation.maxAbsolute < 0.01)
        #expect(s.outOfRange == 0)
        #expect(s.costs.comparisons == 1)
        for variant in ["sum", "epsilon", "mean", "stable"] {
            o.variant = variant
            o.reciprocalIterations = 20
            let ps = try ApproximationCatalog.make("power-softmax", o)
            let r = try ApproximationReport.measure(ps, fixedPoint: FixedPointSpec(parsing: "64:24"), rowLength: 32)
            #expect(r.approximation.maxAbsolute < 1e-6, "\(variant)")
            #expect(r.fixedPoint!.maxAbsolute < 1e-3, "\(variant)")
        }
    }

    @Test func powerSoftmaxRefusesOddPowers() throws {
        var o = ApproximationOptions()
        o.p = 3
        #expect(throws: ApproximationError.self) { try ApproximationCatalog.make("power-softmax", o) }
        o.p = 4
        o.variant = "banana"
        #expect(throws: ApproximationError.self) { try ApproximationCatalog.make("power-softmax", o) }
        #expect(throws: ApproximationError.self) { try ApproximationCatalog.make("softmaxx", ApproximationOptions()) }
        o.variant = "mean"
        o.method = "remez"
        #expect(throws: ApproximationError.self) { try ApproximationCatalog.make("power-softmax", o) }
    }

    /// Power-Softmax's weights are those of x^p / Σ x^p: non-negative, summing to 1.
    @Test func powerSoftmaxWeightsSumToOne() throws {
        var o = ApproximationOptions()
        o.variant = "mean"
        o.epsilon = 0
        o.reciprocalIterations = 30
        let ps = try ApproximationCatalog.make("power-softmax", o)
        let b = PlaintextBackend()
        let x = try Tensor(shape: [2, 4], scalars: [2, 1, 0, -1, 0.5, -0.5, 1.5, -2])
        let w = b.reveal(ps.evaluate(b.input(x), on: b)).scalars
        #expect(abs(w[0] - 16.0 / 18) < 1e-9 && abs(w[1] - 1.0 / 18) < 1e-9 && abs(w[3] - 1.0 / 18) < 1e-9)
        #expect(abs(w[4..<8].reduce(0, +) - 1) < 1e-9)
    }

    @Test func outOfRangeInputsAreCounted() throws {
        let newton = try NewtonReciprocal(iterations: 10, range: Interval(1, 64))
        let r = try ApproximationReport.measure(newton, evaluationRange: Interval(0.5, 64), samples: 1276)
        // Grid step (64 − 0.5)/1275 = 0.0498…: the points below 1 are 0.5 + 0.0498k for k ≤ 10.
        #expect(r.outOfRange == 11)
    }

    @Test func fixedPointSpecRefusesImpossibleParameters() {
        #expect(throws: ApproximationError.self) { try FixedPointSpec(parsing: "64:64") }
        #expect(throws: ApproximationError.self) { try FixedPointSpec(parsing: "80:16") }
        #expect(throws: ApproximationError.self) { try FixedPointSpec(parsing: "64") }
    }
}

@Suite("Invalid inner settings are refused, not run wrong")
struct InnerSettingsTests {
    /// An exp-based Newton start with an iteration count the limit exp refuses used to make
    /// inv-sqrt (and sqrt, LayerNorm) silently return its input.
    @Test(arguments: [0, 31])
    func expBasedStartsCheckTheirIterations(k: Int) throws {
        #expect(throws: ApproximationError.self) { try NewtonInverseSqrt(initial: .cryptenInverseSqrt(expIterations: k), range: Interval(0.1, 10)) }
        #expect(throws: ApproximationError.self) { try NewtonReciprocal(initial: .cryptenReciprocal(expIterations: k), range: Interval(1, 10)) }
        #expect(throws: ApproximationError.self) { try CrypTenSigmoid(expIterations: k) }
        for function in ["inv-sqrt", "sqrt", "layernorm", "sigmoid"] {
            var o = ApproximationOptions()
            o.expIterations = k
            #expect(throws: ApproximationError.self, "\(function)") { try ApproximationCatalog.make(function, o) }
        }
    }

    /// The operation counter broadcasts like the other backends: [m, 1] − [1, n] is [m, n].
    @Test func operationCounterBroadcastsBothWays() {
        let c = OperationCounter()
        #expect(c.shape(of: c.subtract(c.input(shape: [3, 1]), c.input(shape: [1, 4]))) == [3, 4])
        #expect(c.shape(of: c.add(c.input(shape: [2, 3, 1]), c.input(shape: [3, 5]))) == [2, 3, 5])
    }
}
