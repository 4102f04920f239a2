// Foundation-layer benchmarks: modular multiplication and matrix products, each reported
// with its ratio to a plaintext baseline measured in the same run.
//
//     PISIM_BENCHMARKS=1 swift run -c release PISimBenchmarks
//
// Every figure is the median of several repetitions; chains of dependent operations keep
// the compiler from hoisting or vectorising the scalar loops.

import Arithmetic
import Foundation
import Randomness
import Tensors
import Backend
import Approximation
import TwoParty
import Transformer
import Scenario

/// Results are folded into this heap word so that no measured loop is dead code.
nonisolated(unsafe) let sink = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
@inline(never) func blackHole(_ value: UInt64) { sink.pointee ^= value }
@inline(never) func blackHole(_ value: Double) { sink.pointee ^= value.bitPattern }
@inline(never) func blackHole(_ value: BigInteger) { sink.pointee ^= value.truncatedUInt64 }
@inline(never) func blackHole<T>(_ value: Tensor<T>?) { sink.pointee &+= UInt64(value?.count ?? 0) }
@inline(never) func blackHole<T>(_ value: Tensor<T>) { sink.pointee &+= UInt64(value.count) }

/// Median wall time of `body` in nanoseconds over `repetitions` runs.
func medianNanoseconds(repetitions: Int = 7, _ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    var samples = [Double]()
    for _ in 0..<repetitions {
        let d = clock.measure(body)
        samples.append(Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9)
    }
    samples.sort()
    return samples[samples.count / 2]
}

func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
func fmt(_ x: Double, _ digits: Int = 2) -> String {
    String(format: "%.\(digits)f", x)
}

// MARK: - Modular multiplication

let chain = 2_000_000
var g = ChaChaRandom(seed: 1)
let prime: UInt64 = (1 << 61) - 1
let modulus = try Modulus(prime)
let x0 = g.next() % prime, y0 = g.next() % prime

let doubleNs = medianNanoseconds {
    var x = Double(x0 % 1000) + 1.5
    let y = 1.0 + Double(y0 % 7) * 1e-12
    for _ in 0..<chain { x = x * y }
    blackHole(x)
} / Double(chain)

let ring64Ns = medianNanoseconds {
    var x = x0 | 1
    let y = y0 | 1
    for _ in 0..<chain { x = x &* y &+ 1 }
    blackHole(x)
} / Double(chain)

let barrettNs = medianNanoseconds {
    var x = x0
    for _ in 0..<chain { x = modulus.multiplyMod(x, y0) }
    blackHole(x)
} / Double(chain)

let shoup = modulus.multiplier(y0)
let shoupNs = medianNanoseconds {
    var x = x0
    for _ in 0..<chain { x = shoup.multiplyMod(x) }
    blackHole(x)
} / Double(chain)

let uint128Ns = medianNanoseconds {
    var x = x0
    for _ in 0..<chain { x = UInt64((UInt128(x) * UInt128(y0)) % UInt128(prime)) }
    blackHole(x)
} / Double(chain)

func gmpInPlace(modulus m: BigInteger, a: BigInteger, b: BigInteger, count: Int) -> Double {
    medianNanoseconds {
        var x = a
        for _ in 0..<count { x.formMultiply(by: b, modulo: m) }
        blackHole(x)
    } / Double(count)
}

func gmpAllocating(modulus m: BigInteger, a: BigInteger, b: BigInteger, count: Int) -> Double {
    medianNanoseconds {
        var x = a
        for _ in 0..<count { x = (x * b).modulo(m) }
        blackHole(x)
    } / Double(count)
}

let gmpChain = 500_000
let bigPrime = BigInteger(prime)
let gmp61InPlace = gmpInPlace(modulus: bigPrime, a: BigInteger(x0), b: BigInteger(y0), count: gmpChain)
let gmp61Alloc = gmpAllocating(modulus: bigPrime, a: BigInteger(x0), b: BigInteger(y0), count: gmpChain)
let q256 = BigInteger.powerOfTwo(255) - 19
let a256 = BigInteger.random(below: q256, using: &g), b256 = BigInteger.random(below: q256, using: &g)
let gmp256InPlace = gmpInPlace(modulus: q256, a: a256, b: b256, count: gmpChain)
let gmp256Alloc = gmpAllocating(modulus: q256, a: a256, b: b256, count: gmpChain)

let prgWords = 4_000_000
let prgNs = medianNanoseconds {
    var r = ChaChaRandom(seed: 2)
    var acc: UInt64 = 0
    for _ in 0..<prgWords { acc ^= r.next() }
    blackHole(acc)
} / Double(prgWords)

print("Modular multiplication (dependent chain, ns per operation; ratio to one Double multiply)")
print(pad("operation", 46) + pad("ns/op", 10) + "× Double")
for (name, ns) in [
    ("Double multiply (plaintext baseline)", doubleNs),
    ("Z/2^64 native (&*, &+)", ring64Ns),
    ("61-bit prime, Barrett (Modulus.multiplyMod)", barrettNs),
    ("61-bit prime, Shoup (constant multiplicand)", shoupNs),
    ("61-bit prime, UInt128 % (compiler division)", uint128Ns),
    ("61-bit prime, GMP in place (formMultiply)", gmp61InPlace),
    ("61-bit prime, GMP allocating ((x*y).modulo)", gmp61Alloc),
    ("255-bit prime, GMP in place", gmp256InPlace),
    ("255-bit prime, GMP allocating", gmp256Alloc),
    ("ChaCha20 PRG, one UInt64", prgNs),
] {
    print(pad(name, 46) + pad(fmt(ns), 10) + fmt(ns / doubleNs, 1))
}

// MARK: - Matrix products

print("")
print("Matrix product, m = k = n (median of 7; GFLOP-equivalent = 2·m·n·k / time)")
print(pad("shape", 16) + pad("Double GFLOP/s", 16) + pad("UInt64 GOP/s", 16) + pad("Z/q (61-bit) GOP/s", 20) + "UInt64 time ÷ Double time")
for size in [64, 256, 512] {
    let a = try Tensor(shape: [size, size], element: { _ in g.next() })
    let b = try Tensor(shape: [size, size], element: { _ in g.next() })
    let ad = a.map { Double($0 >> 40) }, bd = b.map { Double($0 >> 40) }
    let flops = 2.0 * Double(size * size * size)
    let dNs = medianNanoseconds { blackHole(try? ad.matmul(bd)) }
    let uNs = medianNanoseconds { blackHole(try? a.matmul(b)) }
    let zq = WordModulusRing(modulus)
    let aq = a.map { $0 % prime }, bq = b.map { $0 % prime }
    let qNs = size <= 256 ? medianNanoseconds(repetitions: 3) { blackHole(try? aq.matmul(bq, in: zq)) } : .nan
    print(pad("\(size)×\(size)×\(size)", 16) + pad(fmt(flops / dNs), 16) + pad(fmt(flops / uNs), 16)
          + pad(qNs.isNaN ? "—" : fmt(flops / qNs), 20) + fmt(uNs / dNs))
}

// MARK: - Two-party softmax vs clear fixed point

/// CrypTen-profile softmax (limit exp 8, Newton reciprocal 10 from CrypTen's start) on
/// 12 heads × 128 × 128 scores, share-level and in clear Z/2^64 fixed point.
func softmaxBenchmark(maxMethod: MaxMethod) throws -> (shared: Double, clear: Double, bytes: Int) {
    let softmax = StandardSoftmax(exp: try LimitExponential(iterations: 8),
                                  reciprocal: try NewtonReciprocal(iterations: 10, range: Interval(1, 250)), maxMethod: maxMethod)
    var g = ChaChaRandom(seed: 5)
    let x = try Tensor(shape: [12, 128, 128], element: { _ in Double(g.next() >> 11) / Double(1 << 53) * 8 - 4 })
    var bytes = 0
    let shared = medianNanoseconds(repetitions: 3) {
        guard let engine = try? TwoPartyEngine(settings: TwoPartySettings()) else { return }
        let backend = TwoPartyBackend(engine: engine)
        let y = softmax.evaluate(backend.input(x), on: backend)
        bytes = engine.ledger.totals().bytes
        blackHole(UInt64(y.count))
    }
    let clear = medianNanoseconds(repetitions: 3) {
        guard let format = try? FixedPointFormat(ring: PowerOfTwoRing.z64, fractionalBits: 16) else { return }
        let backend = FixedPointBackend(format: format, truncation: .floor)
        blackHole(softmax.evaluate(backend.input(x), on: backend))
    }
    return (shared, clear, bytes)
}

print("")
print("Softmax 12×128×128 (CrypTen algorithms), share-level two-party vs the same algorithm in clear fixed point")
print(pad("max method", 26) + pad("2PC s", 10) + pad("clear s", 10) + pad("ratio", 8) + "bytes on the wire")
for method in [MaxMethod.cryptenLogReduction, .tree] {
    let r = try softmaxBenchmark(maxMethod: method)
    print(pad(method.rawValue, 26) + pad(fmt(r.shared / 1e9, 3), 10) + pad(fmt(r.clear / 1e9, 3), 10) + pad(fmt(r.shared / r.clear, 2), 8) + "\(r.bytes)")
}

// MARK: - A whole model: execute (shares, ciphertexts) and estimate vs the plaintext forward pass

/// Two GPT-2 small blocks at T = 32 (no embeddings): the forward pass in the clear with the
/// profile's approximations (the baseline), share-level / ciphertext-level execution, and
/// the shape-only estimate of the same costs.
func modelBenchmark(profile name: String, architecture: Architecture) throws -> (clear: Double, execute: Double, estimate: Double) {
    var shape = try ModelShape.preset("gpt2-small")
    shape.layers = 2
    let request = RunRequest(model: shape, architecture: architecture, profile: try ProtocolProfile.load(name), network: .wan, tokens: 32,
                             includeEmbeddings: false)
    let model = TransformerModel(configuration: try ModelRunner.configuration(request, exact: false), weights: ModelWeights(shape: shape, seed: 1))
    let x = try Tensor(shape: [32, shape.width], element: { Double(($0 * 37) % 23) / 23 - 0.5 })
    let clear = medianNanoseconds(repetitions: 3) {
        var trace = [NonlinearityCall]()
        blackHole(model.forward(x, on: PlaintextBackend(), trace: &trace))
    }
    let execute = medianNanoseconds(repetitions: 3) { _ = try? ModelRunner.execute(request) }
    let estimate = medianNanoseconds(repetitions: 3) { _ = try? ModelRunner.estimate(request) }
    return (clear, execute, estimate)
}

print("")
print("Two GPT-2 small blocks, T = 32: clear forward pass (same approximations) vs execute (incl. its exact reference) and estimate")
print(pad("profile / architecture", 30) + pad("clear s", 10) + pad("execute s", 11) + pad("× clear", 9) + pad("estimate s", 12) + "× clear")
for (profile, architecture) in [("crypten", Architecture.baseline), ("bumblebee", .baseline), ("ckks-openfhe", .powerSoftmax)] {
    let r = try modelBenchmark(profile: profile, architecture: architecture)
    print(pad("\(profile) / \(architecture.rawValue)", 30) + pad(fmt(r.clear / 1e9, 3), 10) + pad(fmt(r.execute / 1e9, 3), 11)
          + pad(fmt(r.execute / r.clear, 1), 9) + pad(fmt(r.estimate / 1e9, 4), 12) + fmt(r.estimate / r.clear, 3))
}

// MARK: - Where the parties run: one thread, two threads, two processes over TCP

/// One GPT-2 small block at T = 128 under crypten, executed with both parties in one thread
/// (the baseline) and with one thread per party; and one softmax 12×128×128 as two `pisim
/// party` processes over loopback TCP when the pisim binary is beside this one. Ratios are
/// of medians measured in this run.
func partyBenchmark(tokens: Int, layers: Int) throws -> (one: Double, two: Double) {
    var shape = try ModelShape.preset("gpt2-small")
    shape.layers = layers
    var request = RunRequest(model: shape, architecture: .baseline, profile: try ProtocolProfile.load("crypten"), network: .lan, tokens: tokens,
                             includeEmbeddings: false)
    request.hosting = .oneThread
    let one = medianNanoseconds(repetitions: 3) { _ = try? ModelRunner.execute(request) }
    request.hosting = .threads
    let two = medianNanoseconds(repetitions: 3) { _ = try? ModelRunner.execute(request) }
    return (one, two)
}

print("")
print("Parties on one thread vs one thread each (GPT-2 small blocks under crypten, execute incl. the clear reference; goal ≤ 0.6×)")
print(pad("run", 30) + pad("one thread s", 14) + pad("two threads s", 15) + "ratio")
for (tokens, layers) in [(32, 1), (128, 1), (128, 2)] {
    let r = try partyBenchmark(tokens: tokens, layers: layers)
    print(pad("T = \(tokens), \(layers) block\(layers > 1 ? "s" : "")", 30) + pad(fmt(r.one / 1e9, 3), 14) + pad(fmt(r.two / 1e9, 3), 15)
          + fmt(r.two / r.one, 2))
}
