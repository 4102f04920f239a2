import Foundation
@testable import Arithmetic
import Randomness

/// Loads a JSON fixture from `Tests/ArithmeticTests/Fixtures`.
func loadFixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(name)
    return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
}

/// Reference arithmetic on `UInt128` for word moduli, independent of Barrett and Shoup.
func referenceMulMod(_ a: UInt64, _ b: UInt64, _ q: UInt64) -> UInt64 {
    UInt64((UInt128(a) * UInt128(b)) % UInt128(q))
}

/// Random 64-bit values biased toward the edges: 0, 1, q−1, values near 2^64, near q.
func edgeBiasedWord(_ g: inout ChaChaRandom, modulus q: UInt64) -> UInt64 {
    switch g.next() % 8 {
    case 0: [0, 1, q - 1, q - 2, q / 2, q / 2 + 1][Int(g.next() % 6)]
    case 1: UInt64.max - g.next() % 16
    case 2: q + g.next() % 16
    default: g.next()
    }
}
