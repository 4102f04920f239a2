import Backend
import Tensors

/// Sigmoid as CrypTen 0.4 computes it (`sigmoid_tanh_method = "reciprocal"`):
/// with s = [x < 0] and |x| = x(1 − 2s), d = 1 + e^(−|x|) (limit exp), r = 1/d by Newton
/// from 0.75 on [1, 2], and sigmoid = r + s·(1 − 2r).
///
/// CrypTen's source sets `exp_iterations = 9` for this exp but only after the exp has run,
/// so the exp uses the default 8 iterations; `expIterations` defaults to 8 to match what
/// CrypTen computes (and counts).
public struct CrypTenSigmoid: ElementwiseApproximation {
    public let expIterations: Int
    public let newtonIterations: Int
    public let inputRange: Interval
    public var target: TargetFunction { .sigmoid }
    public var method: String { "crypten-reciprocal" }

    /// - Throws: `ApproximationError.invalidParameter` for exp iterations outside 1…30 or
    ///   Newton iterations < 0.
    public init(expIterations: Int = 8, newtonIterations: Int = 3, range: Interval = Interval(uncheckedLower: -64, upper: 64))
        throws(ApproximationError) {
        _ = try LimitExponential(iterations: expIterations)
        guard newtonIterations >= 0 else { throw .invalidParameter("iterations must be ≥ 0, got \(newtonIterations)") }
        self.expIterations = expIterations
        self.newtonIterations = newtonIterations
        inputRange = range
    }

    public var parameters: ApproximationParameters {
        ApproximationParameters(iterations: newtonIterations, notes: ["exp limit \(expIterations) iterations", "reciprocal Newton from 0.75"])
    }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value {
        let s = b.isNegative(x)
        let absX = b.multiply(x, b.signFromIsNegative(s))
        let e = LimitExponential.unchecked(iterations: expIterations).evaluate(b.negate(absX), on: b)
        let d = b.addConstant(e, 1)
        var r = b.constant(0.75, shape: b.shape(of: x))
        for i in 0..<newtonIterations {
            // y ← 2y − d·y². With the public start 0.75, the first step is local: 1.5 − 0.5625·d.
            r = i == 0 ? b.addConstant(b.multiplyConstant(d, -0.5625), 1.5)
                       : b.subtract(b.multiplyInteger(r, 2), b.multiply(b.square(r), d))
        }
        // CrypTen's `where(1 − s, r, 1 − r)` = r·(1 − s) + (1 − r)·s: two products in sequence.
        let keep = b.multiply(r, b.addConstant(b.negate(s), 1))
        return b.add(keep, b.multiply(b.addConstant(b.negate(r), 1), s))
    }
}

extension LimitExponential {
    /// For iteration counts already validated by the caller's init (1…30).
    static func unchecked(iterations: Int) -> LimitExponential {
        (try? LimitExponential(iterations: min(max(iterations, 1), 30)))!  // unreachable failure: clamped to the valid range
    }
}

/// tanh as CrypTen 0.4 computes it (`sigmoid_tanh_method = "reciprocal"`,
/// `approximations.py` tanh): 2·sigmoid(2x) − 1 with the sigmoid above, so it costs
/// exactly one sigmoid.
public struct CrypTenTanh: ElementwiseApproximation {
    public let sigmoid: CrypTenSigmoid
    public let inputRange: Interval
    public var target: TargetFunction { .tanh }
    public var method: String { "crypten-sigmoid" }

    /// - Throws: `ApproximationError.invalidParameter` as `CrypTenSigmoid`.
    public init(expIterations: Int = 8, newtonIterations: Int = 3, range: Interval = Interval(uncheckedLower: -32, upper: 32))
        throws(ApproximationError) {
        sigmoid = try CrypTenSigmoid(expIterations: expIterations, newtonIterations: newtonIterations,
                                     range: Interval(uncheckedLower: 2 * range.lower, upper: 2 * range.upper))
        inputRange = range
    }

    public var parameters: ApproximationParameters {
        var p = sigmoid.parameters
        p.notes.append("tanh = 2·sigmoid(2x) − 1")
        return p
    }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value {
        b.addConstant(b.multiplyInteger(sigmoid.evaluate(b.multiplyInteger(x, 2), on: b), 2), -1)
    }
}

/// SiLU as x · σ(x) with a sigmoid approximation (`sigmoid`, e.g. CrypTen's): one private
/// product on top of the sigmoid. CrypTen 0.4.1 has no SiLU; this is how `torch.nn.SiLU`
/// composes it, and how a protocol without its own SiLU would run LLaMA's gate.
public struct SiLUApproximation: ElementwiseApproximation {
    public let sigmoid: any NonlinearApproximation
    public var target: TargetFunction { .silu }
    public var method: String { "x-sigmoid-\(sigmoid.method)" }
    public var inputRange: Interval { sigmoid.inputRange }

    public init(sigmoid: any NonlinearApproximation) { self.sigmoid = sigmoid }

    public var parameters: ApproximationParameters {
        var p = sigmoid.parameters
        p.notes.insert("x · sigmoid (\(sigmoid.method))", at: 0)
        return p
    }

    public func evaluate<B: ArithmeticBackend>(_ x: B.Value, on b: B) -> B.Value {
        b.multiply(x, b.scope("sigmoid") { sigmoid.evaluate(x, on: b) })
    }
}
