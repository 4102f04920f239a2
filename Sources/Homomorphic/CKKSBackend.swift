import Arithmetic
import Backend
import CostModel
import Randomness
import Tensors

/// A tensor of CKKS slot values as the scheme holds them: integers m·Δ_ℓ at level ℓ
/// (levels consumed), packed row-wise into ⌈count / (N/2)⌉ ciphertexts.
public struct CKKSTensor: Sendable {
    public var shape: [Int]
    /// Centered integer representatives of m·Δ_ℓ, one per slot.
    public var values: [BigInteger]
    /// Levels consumed so far (0 = fresh).
    public var level: Int

    public init(shape: [Int], values: [BigInteger], level: Int) {
        self.shape = shape
        self.values = values
        self.level = level
    }
}

/// A CKKS-level simulator: values are the integers the scheme would hold, so rounding at
/// encoding and at every rescale appears exactly; levels, scales (FLEXIBLEAUTO-style:
/// Δ_{ℓ+1} = Δ_ℓ²/q_{L−ℓ}, so same-level ciphertexts share a scale), rotations and
/// bootstraps are tracked and charged to the ledger with latencies from a table.
/// Key-switching and encryption noise are not modelled (the simulator is noiseless apart
/// from rounding and the bootstrap's output precision).
public final class CKKSBackend: ArithmeticBackend {
    public typealias Value = CKKSTensor

    public let parameters: CKKSParameters
    public let ledger: CostLedger
    public let latency: HELatencyTable?
    /// Bound for comparisons by composite polynomials: inputs to `isNegative` lie in ±bound.
    public var comparisonBound: Double
    public var comparisonIterations: Int
    /// The first problem met (out of levels, overflow); the caller reports it.
    public private(set) var failure: CKKSError?
    /// False for "estimate" runs: values are shapes and levels only (no slot integers), and
    /// every cost is recorded exactly as with values (levels, rescales, rotations and
    /// bootstraps depend on shapes and levels, never on the numbers). Overflow cannot be
    /// detected without values.
    public let tracksValues: Bool

    /// q_0 … q_L.
    let primes: [BigInteger]
    /// Δ_ℓ for ℓ = 0 … L.
    let scales: [Double]
    /// Q_ℓ / 2 for ℓ = 0 … L.
    let halfModuli: [BigInteger]
    var noise: ChaChaRandom

    /// - Throws: `CKKSError.invalidParameters`.
    public init(parameters: CKKSParameters, latency: HELatencyTable? = nil, comparisonBound: Double = 16,
                comparisonIterations: Int = 10, seed: UInt64 = 1, ledger: CostLedger = CostLedger(),
                tracksValues: Bool = true) throws(CKKSError) {
        try parameters.validate()
        self.tracksValues = tracksValues
        self.parameters = parameters
        self.latency = latency
        self.comparisonBound = comparisonBound
        self.comparisonIterations = comparisonIterations
        self.ledger = ledger
        (primes, scales) = parameters.chain()
        let L = parameters.multiplicativeDepth
        var q = primes.reduce(BigInteger(1)) { $0 * $1 }
        var halves = [BigInteger]()
        for l in 0...L {
            halves.append(q >> 1)
            if l < L { q = q / primes[L - l] }
        }
        halfModuli = halves
        noise = ChaChaRandom(seed: seed, stream: 0xB007)
    }

    public var name: String { "ckks N=\(parameters.ringDimension) L=\(parameters.multiplicativeDepth) Δ=2^\(parameters.scalingBits)" }
    var depth: Int { parameters.multiplicativeDepth }

    /// Δ at level ℓ.
    public func scale(atLevel l: Int) -> Double { scales[min(l, depth)] }

    func ciphertexts(_ x: Value) -> Int { max(1, (x.shape.reduce(1, *) + parameters.slots - 1) / parameters.slots) }

    /// A value of `shape` at level `l` without slot integers (estimate runs).
    func shapeOnly(_ shape: [Int], level l: Int) -> Value { Value(shape: shape, values: [], level: l) }

    func record(_ kind: HELatencyTable.Operation, _ x: Value, count: Int = 1, level: Int? = nil, rotations: Int = 0,
                bootstraps: Int = 0, rescales: Int = 0) {
        let cts = ciphertexts(x) * count
        let limbs = depth - x.level + 1
        let seconds = (latency?.seconds(kind, ringDimension: parameters.ringDimension, limbs: limbs) ?? 0) * Double(cts)
        ledger.record(CostEvent(kind: kind.rawValue, elements: cts, multiplications: kind == .ciphertextMultiply ? cts : 0,
                                depth: level ?? x.level, rotations: rotations * cts,
                                bootstraps: bootstraps * cts, rescales: rescales * cts, computeSeconds: seconds))
    }

    /// Bytes of one ciphertext at level ℓ: two polynomials of N coefficients over the
    /// remaining modulus Q_ℓ (log Q_ℓ = first prime + (L − ℓ) scaling primes), uncompressed.
    public func ciphertextBytes(atLevel l: Int) -> Int {
        let bits = parameters.firstPrimeBits + (depth - min(l, depth)) * parameters.scalingBits
        return 2 * parameters.ringDimension * bits / 8
    }

    /// Records sending `x`'s ciphertexts over the network in one flight: `party` 0 is the
    /// client (encrypted inputs up), 1 the server (encrypted results down).
    public func transfer(_ x: Value, from party: Int) {
        let bytes = ciphertexts(x) * ciphertextBytes(atLevel: x.level)
        ledger.record(CostEvent(kind: "ciphertext-transfer", elements: ciphertexts(x), bytesSent: party == 0 ? [bytes, 0] : [0, bytes],
                                rounds: 1, depth: x.level))
    }

    // MARK: Encoding

    func encode(_ x: Double, scale: Double) -> BigInteger { BigInteger(truncating: (x * scale).rounded()) ?? BigInteger() }

    public func shape(of value: Value) -> [Int] { value.shape }

    public func input(_ x: Tensor<Double>) -> Value {
        guard tracksValues else { return shapeOnly(x.shape, level: 0) }
        let values = x.scalars.map { encode($0, scale: scales[0]) }
        return Value(shape: x.shape, values: noisy(values, deviation: noiseModel?.freshDeviation(ringDimension: parameters.ringDimension) ?? 0),
                     level: 0)
    }

    public func reveal(_ value: Value) -> Tensor<Double> {
        guard tracksValues else { return Tensor(uncheckedShape: value.shape, scalars: []) }
        let s = scale(atLevel: value.level)
        return Tensor(uncheckedShape: value.shape, scalars: value.values.map { $0.doubleValue / s })
    }

    public func constant(_ c: Double, shape: [Int]) -> Value {
        guard tracksValues else { return shapeOnly(shape, level: 0) }
        return Value(shape: shape, values: Array(repeating: encode(c, scale: scales[0]), count: shape.reduce(1, *)), level: 0)
    }

    // MARK: Levels, rescale, bootstrap

    /// round(v / q) for the prime dropped at level ℓ.
    func rescaled(_ values: [BigInteger], atLevel l: Int) -> [BigInteger] {
        let q = primes[depth - l], half = q >> 1
        let r = values.map { v in
            var t = v + half
            t = t.floorDivided(by: q)?.quotient ?? t
            return t
        }
        return noisy(r, deviation: noiseModel?.rescaleDeviation(ringDimension: parameters.ringDimension) ?? 0)
    }

    func checkOverflow(_ values: [BigInteger], level l: Int) {
        let bound = halfModuli[min(l, depth)]
        if failure == nil, values.contains(where: { $0.magnitude >= bound }) {
            failure = .overflow(scope: ledger.currentScope.joined(separator: "/"))
        }
    }

    /// Makes room for one more level: bootstraps under the automatic policy, else records
    /// the failure (and bootstraps anyway so the run can finish and report it).
    func ensureLevel(_ x: inout Value) {
        guard x.level + 1 > depth else { return }
        if parameters.policy == .fail || parameters.bootstrapDepth == nil, failure == nil {
            failure = .outOfLevels(scope: ledger.currentScope.joined(separator: "/"), level: x.level, depth: depth)
        }
        x = bootstrap(x)
    }

    /// Refreshes a ciphertext: it comes back with `bootstrapDepth` levels consumed and a
    /// relative error of 2^−precision of the largest magnitude.
    public func bootstrap(_ x: Value) -> Value {
        let after = min(parameters.bootstrapDepth ?? depth - 1, depth - 1)
        let values = reveal(x).scalars
        let magnitude = values.map { abs($0) }.max() ?? 0
        let eps = magnitude * Double(sign: .plus, exponent: -Int(parameters.bootstrapPrecisionBits), significand: 1)
        let s = scale(atLevel: after)
        record(.bootstrap, x, bootstraps: 1)
        let refreshed = values.map { v -> BigInteger in
            let u = Double(noise.next() >> 11) / Double(1 << 53) * 2 - 1
            return encode(v + u * eps, scale: s)
        }
        return Value(shape: x.shape, values: refreshed, level: after)
    }

    /// Brings `x` to level `l` > x.level with scale Δ_l: drop to l − 1, multiply by the
    /// constant that makes the next rescale land on Δ_l (OpenFHE's level adjustment).
    func raised(_ x: Value, to l: Int) -> Value {
        guard l > x.level else { return x }
        let factor = scale(atLevel: l) * primes[depth - (l - 1)].doubleValue / scale(atLevel: x.level)
        let k = BigInteger(truncating: factor.rounded()) ?? BigInteger(1)
        record(.plaintextMultiply, x)
        record(.rescale, x, level: l, rescales: 1)
        return Value(shape: x.shape, values: rescaled(x.values.map { $0 * k }, atLevel: l - 1), level: l)
    }

    func aligned(_ a: Value, _ b: Value) -> (Value, Value) {
        let l = max(a.level, b.level)
        return (raised(a, to: l), raised(b, to: l))
    }

    func zipped(_ a: Value, _ b: Value, _ op: (BigInteger, BigInteger) -> BigInteger) -> (shape: [Int], values: [BigInteger]) {
        guard tracksValues else { return (BroadcastPlan(unchecked: a.shape, b.shape).shape, []) }
        let t = Tensor(uncheckedShape: a.shape, scalars: a.values).broadcasting(Tensor(uncheckedShape: b.shape, scalars: b.values), op)
        return (t.shape, t.scalars)
    }

    // MARK: Arithmetic

    public func add(_ a: Value, _ b: Value) -> Value {
        let (x, y) = aligned(a, b)
        let z = zipped(x, y, +)
        let r = Value(shape: z.shape, values: z.values, level: x.level)
        record(.add, r)
        return r
    }

    public func subtract(_ a: Value, _ b: Value) -> Value {
        let (x, y) = aligned(a, b)
        let z = zipped(x, y, -)
        let r = Value(shape: z.shape, values: z.values, level: x.level)
        record(.add, r)
        return r
    }

    public func negate(_ a: Value) -> Value { Value(shape: a.shape, values: a.values.map { -$0 }, level: a.level) }

    public func addConstant(_ a: Value, _ c: Double) -> Value {
        let e = encode(c, scale: scale(atLevel: a.level))
        return Value(shape: a.shape, values: a.values.map { $0 + e }, level: a.level)
    }

    /// a + m: m encoded at a's level and scale, a plaintext addition (no level).
    public func addPublic(_ a: Value, _ m: Tensor<Double>) -> Value {
        guard tracksValues else { return shapeOnly(BroadcastPlan(unchecked: a.shape, m.shape).shape, level: a.level) }
        let s = scale(atLevel: a.level)
        let z = Tensor(uncheckedShape: a.shape, scalars: a.values).broadcasting(m.map { encode($0, scale: s) }, +)
        return Value(shape: z.shape, values: z.scalars, level: a.level)
    }

    public func multiplyInteger(_ a: Value, _ k: Int) -> Value {
        let e = BigInteger(k)
        return Value(shape: a.shape, values: a.values.map { $0 * e }, level: a.level)
    }

    /// a · c: c encoded so that the rescale lands on Δ_{ℓ+1}; one level.
    public func multiplyConstant(_ a: Value, _ c: Double) -> Value {
        if c.isSmallInteger { return multiplyInteger(a, Int(c)) }
        var x = a
        ensureLevel(&x)
        let l = x.level
        let e = encode(c, scale: scale(atLevel: l + 1) * primes[depth - l].doubleValue / scale(atLevel: l))
        let product = x.values.map { $0 * e }
        checkOverflow(product, level: l)
        record(.plaintextMultiply, x)
        record(.rescale, x, level: l + 1, rescales: 1)
        return Value(shape: x.shape, values: rescaled(product, atLevel: l), level: l + 1)
    }

    public func multiplyPublic(_ a: Value, _ m: Tensor<Double>) -> Value {
        if m.isSmallIntegral {
            guard tracksValues else { return shapeOnly(BroadcastPlan(unchecked: a.shape, m.shape).shape, level: a.level) }
            let z = Tensor(uncheckedShape: a.shape, scalars: a.values).broadcasting(m.map { BigInteger(Int($0)) }, *)
            return Value(shape: z.shape, values: z.scalars, level: a.level)
        }
        var x = a
        ensureLevel(&x)
        let l = x.level, factor = scale(atLevel: l + 1) * primes[depth - l].doubleValue / scale(atLevel: l)
        // Charged as multiplyConstant is, where OpenFHE does the work: the plaintext product
        // and the rescale on the result's ciphertexts at the input's level (its limbs).
        let resultShape = BroadcastPlan(unchecked: x.shape, m.shape).shape
        let atInput = shapeOnly(resultShape, level: l)
        record(.plaintextMultiply, atInput)
        record(.rescale, atInput, level: l + 1, rescales: 1)
        guard tracksValues else { return shapeOnly(resultShape, level: l + 1) }
        let z = Tensor(uncheckedShape: x.shape, scalars: x.values).broadcasting(m.map { encode($0, scale: factor) }, *)
        checkOverflow(z.scalars, level: l)
        return Value(shape: z.shape, values: rescaled(z.scalars, atLevel: l), level: l + 1)
    }

    /// a ⊙ b with relinearisation and rescale; one level.
    public func multiply(_ a: Value, _ b: Value) -> Value {
        var (x, y) = aligned(a, b)
        if x.level + 1 > depth {
            ensureLevel(&x)
            ensureLevel(&y)
            (x, y) = aligned(x, y)
        }
        let l = x.level
        var z = zipped(x, y, *)
        // Relinearisation is a key switch: its noise enters before the rescale.
        z.values = noisy(z.values, deviation: (noiseModel?.keySwitchDeviation(ringDimension: parameters.ringDimension,
                                                                              specialModulus: specialModulus) ?? 0) * scale(atLevel: l) / scale(atLevel: l + 1))
        checkOverflow(z.values, level: l)
        let r = Value(shape: z.shape, values: rescaled(z.values, atLevel: l), level: l + 1)
        record(.ciphertextMultiply, x)
        record(.rescale, r, rescales: 1)
        return r
    }

    public func square(_ a: Value) -> Value { multiply(a, a) }

    /// Optional Gaussian noise at encryption, rescale and key switching (nil: noiseless).
    public var noiseModel: NoiseModel?

    /// Adds N(0, deviation²) to every slot integer.
    func noisy(_ values: [BigInteger], deviation: Double) -> [BigInteger] {
        guard noiseModel != nil, deviation > 0 else { return values }
        return values.map { $0 + (BigInteger(truncating: (noise.nextGaussian() * deviation).rounded()) ?? BigInteger()) }
    }

    var specialModulus: Double {
        Double(sign: .plus, exponent: parameters.specialPrimes * parameters.specialPrimeBits, significand: 1)
    }

    /// How tensors sit in slots (determines rotation counts).
    public var packing: PackingModel = .rowWise

    /// Row sums: the packing model's rotate-and-add steps per ciphertext.
    public func sum(_ a: Value, alongAxis axis: Int) -> Value {
        let steps = packing.rowSumRotations(rowLength: a.shape.last ?? 1)
        if steps > 0 {
            record(.rotation, a, count: steps, rotations: 1)
            record(.add, a, count: steps)
        }
        guard tracksValues else {
            var shape = a.shape
            if !shape.isEmpty { shape[(axis + shape.count) % shape.count] = 1 }
            return shapeOnly(shape, level: a.level)
        }
        let t = Tensor(uncheckedShape: a.shape, scalars: a.values).reducing(alongAxis: axis, initial: BigInteger()) { $0 + $1 }
        return Value(shape: t.shape, values: t.scalars, level: a.level)
    }

    /// A [..., m, k] · B [..., k, n], both encrypted, under row-wise packing: for each of the
    /// n output columns, one ciphertext product of A with the replicated column and ⌈log2 k⌉
    /// rotate-and-add steps per ciphertext of A; one level. Computed exactly at the next
    /// level's scale.
    public func matmulPrivate(_ a: Value, _ b: Value) -> Value {
        var (x, y) = aligned(a, b)
        ensureLevel(&x)
        if y.level != x.level { y = raised(y, to: x.level) }
        let k = x.shape.last ?? 1, n = y.shape.last ?? 1
        let r: Value
        if tracksValues {
            let product = (try? reveal(x).matmul(reveal(y))) ?? reveal(x)
            let s = scale(atLevel: x.level + 1)
            r = Value(shape: product.shape, values: product.scalars.map { encode($0, scale: s) }, level: x.level + 1)
        } else {
            r = shapeOnly(Array(x.shape.dropLast()) + [n], level: x.level + 1)
        }
        record(.ciphertextMultiply, x, count: n)
        record(.rotation, x, count: n * packing.rowSumRotations(rowLength: k), rotations: 1)
        record(.rescale, r, count: n, rescales: 1)
        return r
    }

    /// Complex conjugation of the slots: a key switch (charged as a rotation); real-valued
    /// slots are unchanged.
    public func conjugate(_ a: Value) -> Value {
        record(.rotation, a, rotations: 1)
        return a
    }

    /// Drops a ciphertext to level `l` ≥ its own, keeping its value: scale-preserving level
    /// adjustment (a constant product and a rescale), as `raised`.
    public func droppedToLevel(_ a: Value, _ l: Int) -> Value { raised(a, to: min(l, depth)) }

    /// X·W for a private X [T×d] and the server's plaintext W [d×d'], costed by the packing
    /// model (rotations, plaintext products, one rescale) and computed exactly at the next
    /// level's scale.
    public func matmulPlaintext(_ x: Value, _ w: Tensor<Double>) -> Value {
        matmulPlaintext(x, columns: w.shape.last ?? 1) { w }
    }

    /// X·W with W [d × columns] materialised only when values are tracked.
    public func matmulPlaintext(_ x: Value, columns dOut: Int, weights: () -> Tensor<Double>) -> Value {
        var a = x
        ensureLevel(&a)
        let d = a.shape.last ?? 1, t = a.shape.reduce(1, *) / max(d, 1)
        let c = packing.matmulCost(t: t, d: d, dOut: dOut, slots: parameters.slots)
        let r: Value
        if tracksValues {
            let clear = (try? Tensor(shape: [t, d], scalars: reveal(a).scalars).matmul(weights())) ?? Tensor(uncheckedShape: [t, dOut], repeating: 0)
            let s = scale(atLevel: a.level + 1)
            r = Value(shape: Array(a.shape.dropLast()) + [dOut], values: clear.scalars.map { encode($0, scale: s) }, level: a.level + 1)
        } else {
            r = shapeOnly(Array(a.shape.dropLast()) + [dOut], level: a.level + 1)
        }
        record(.rotation, a, count: c.rotations / max(ciphertexts(a), 1), rotations: 1)
        record(.plaintextMultiply, a, count: c.plaintextProducts / max(ciphertexts(a), 1))
        record(.add, a, count: c.plaintextProducts / max(ciphertexts(a), 1))
        record(.rescale, r, rescales: 1)
        return r
    }

    // MARK: Comparisons (composite polynomials), randomness, analytic steps

    public func isNegative(_ a: Value) -> Value { compositeIsNegative(a, iterations: comparisonIterations, bound: comparisonBound) }

    /// 1 − sign(x)², sign by the composite polynomial.
    public func isZero(_ a: Value) -> Value {
        let sign = signFromIsNegative(isNegative(a))
        return addConstant(negate(square(sign)), 1)
    }

    public func maximum(_ a: Value, alongAxis axis: Int) -> Value { treeMaximum(a) }
    public func scope<T>(_ name: String, _ body: () -> T) -> T { ledger.scope(name, body) }

    public func uniformRandom(shape: [Int]) -> Value {
        var t = Tensor<Double>(uncheckedShape: shape, repeating: 0)
        t.mapInPlace { _ in Double(noise.next() >> 11) / Double(1 << 53) }
        return input(t)
    }

    public func analytic(_ a: Value, kind: String, cost: AnalyticCost, _ function: (Tensor<Double>) -> Tensor<Double>) -> Value {
        guard tracksValues else { return a }
        let y = function(reveal(a))
        let s = scale(atLevel: a.level)
        return Value(shape: y.shape, values: y.scalars.map { encode($0, scale: s) }, level: a.level)
    }

    // MARK: Layout (slot movement is not charged: a simplification of the packing model)

    /// Applies a layout operation to the slot integers, or only to the shape (`shape`) in
    /// estimate runs.
    func relayout(_ a: Value, shape: [Int], _ op: (Tensor<BigInteger>) -> Tensor<BigInteger>) -> Value {
        guard tracksValues else { return shapeOnly(shape, level: a.level) }
        let t = op(Tensor(uncheckedShape: a.shape, scalars: a.values))
        return Value(shape: t.shape, values: t.scalars, level: a.level)
    }

    public func columns(_ a: Value, from start: Int, count width: Int) -> Value {
        relayout(a, shape: Array(a.shape.dropLast()) + [width]) { $0.columns(from: start, count: width) }
    }
    public func concatenatingColumns(_ a: Value, _ b: Value) -> Value {
        let (x, y) = aligned(a, b)
        guard tracksValues else { return shapeOnly(Array(x.shape.dropLast()) + [(x.shape.last ?? 0) + (y.shape.last ?? 0)], level: x.level) }
        let t = Tensor(uncheckedShape: x.shape, scalars: x.values).concatenatingColumns(Tensor(uncheckedShape: y.shape, scalars: y.values))
        return Value(shape: t.shape, values: t.scalars, level: x.level)
    }
    public func rolled(_ a: Value, by shift: Int) -> Value { relayout(a, shape: a.shape) { $0.rolled(by: shift) } }
    public func cumulativeSum(_ a: Value) -> Value { relayout(a, shape: a.shape) { $0.scanningRows(+) } }
    public func stacked(_ values: [Value]) -> Value {
        let l = values.map(\.level).max() ?? 0
        let parts = values.map { raised($0, to: l) }
        return Value(shape: [parts.count] + (parts.first?.shape ?? []), values: parts.flatMap(\.values), level: l)
    }
    public func unstacked(_ a: Value, count: Int) -> [Value] {
        guard tracksValues else { return Array(repeating: shapeOnly(Array(a.shape.dropFirst()), level: a.level), count: count) }
        return Tensor(uncheckedShape: a.shape, scalars: a.values).unstacked(count).map { Value(shape: $0.shape, values: $0.scalars, level: a.level) }
    }
}
