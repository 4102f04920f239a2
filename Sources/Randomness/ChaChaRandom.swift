/// A cryptographically secure pseudo-random generator: the ChaCha20 keystream
/// (20 rounds, 256-bit key, 64-bit stream nonce, 64-bit block counter).
///
/// Seed it explicitly for reproducible runs (`init(seed:stream:)`), or from system
/// entropy (`init()`). Independent streams under one key (one per party, per dealer,
/// per purpose) come from `init(key:stream:)` or `forked(stream:)`.
///
/// Output is consumed in 64-bit words, little-endian pairs of keystream words, so the
/// byte stream equals the RFC 8439 keystream for the same key, nonce and counter.
public struct ChaChaRandom: RandomNumberGenerator, Sendable {
    @usableFromInline var core: ChaCha20Block
    /// Counter of the next block to generate.
    @usableFromInline var nextCounter: UInt64
    /// The current block's 16 words, stored as 8 64-bit lanes.
    @usableFromInline var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
        (0, 0, 0, 0, 0, 0, 0, 0)
    /// Index of the next unread 64-bit lane in `buffer`; 8 means empty.
    @usableFromInline var position: Int = 8

    /// The 32-byte key this generator was created with.
    public let key: [UInt8]

    /// The stream (nonce) this generator produces.
    public var stream: UInt64 { core.nonce }

    /// Creates a generator from a 32-byte key and a stream number.
    ///
    /// - Parameters:
    ///   - key: exactly 32 bytes.
    ///   - stream: a 64-bit stream identifier (the ChaCha nonce).
    ///   - counter: the first block counter, 0 by default.
    /// - Throws: `RandomnessError.invalidKeyLength` when `key` is not 32 bytes.
    public init(key: [UInt8], stream: UInt64 = 0, counter: UInt64 = 0) throws(RandomnessError) {
        guard key.count == 32 else { throw .invalidKeyLength(key.count) }
        var words = [UInt32](repeating: 0, count: 8)
        for i in 0..<8 {
            words[i] = UInt32(key[4 * i]) | UInt32(key[4 * i + 1]) << 8
                | UInt32(key[4 * i + 2]) << 16 | UInt32(key[4 * i + 3]) << 24
        }
        self.key = key
        core = ChaCha20Block(keyWords: words, nonce: stream)
        nextCounter = counter
    }

    /// Creates a reproducible generator from a 64-bit seed: the key is the seed's eight
    /// little-endian bytes followed by 24 zero bytes.
    ///
    /// Use this for simulations, where reproducibility matters and secrecy does not.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var key = [UInt8](repeating: 0, count: 32)
        for i in 0..<8 { key[i] = UInt8(truncatingIfNeeded: seed >> (8 * UInt64(i))) }
        // The key has the right length by construction.
        self = Self.unchecked(key: key, stream: stream)
    }

    /// Creates a generator keyed from system entropy (`SystemRandomNumberGenerator`,
    /// which reads `getrandom(2)` on Linux).
    public init() {
        var system = SystemRandomNumberGenerator()
        var key = [UInt8](repeating: 0, count: 32)
        for i in 0..<4 {
            let word = system.next()
            for j in 0..<8 { key[8 * i + j] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(j))) }
        }
        self = Self.unchecked(key: key, stream: 0)
    }

    private static func unchecked(key: [UInt8], stream: UInt64) -> ChaChaRandom {
        do { return try ChaChaRandom(key: key, stream: stream) } catch {
            fatalError("32-byte key rejected") // unreachable
        }
    }

    /// A generator with the same key on another stream: independent output.
    public func forked(stream: UInt64) -> ChaChaRandom {
        Self.unchecked(key: key, stream: stream)
    }

    @inlinable
    mutating func refill() {
        withUnsafeMutableBytes(of: &buffer) { raw in
            core.block(counter: nextCounter, into: raw.baseAddress!.assumingMemoryBound(to: UInt32.self))
        }
        nextCounter &+= 1
        position = 0
    }

    /// The next 64 bits of keystream (two keystream words, the first in the low half).
    @inlinable
    public mutating func next() -> UInt64 {
        if position == 8 { refill() }
        let value = withUnsafeBytes(of: &buffer) { raw in
            raw.load(fromByteOffset: position &* 8, as: UInt64.self)
        }
        position &+= 1
        return UInt64(littleEndian: value)
    }

    /// Fills `output` with the next keystream words — the words `next()` would return, in
    /// order — four blocks at a time where it can.
    @inlinable
    public mutating func fill(_ output: UnsafeMutableBufferPointer<UInt64>) {
        guard let base = output.baseAddress else { return }
        var i = 0
        while i < output.count, position < 8 { base[i] = next(); i += 1 }
        // Whole groups of four blocks (32 words) straight into the output.
        while output.count - i >= 32 {
            UnsafeMutableRawPointer(base + i).withMemoryRebound(to: UInt32.self, capacity: 64) {
                core.fourBlocks(counter: nextCounter, into: $0)
            }
            #if _endian(big)
            for j in i..<(i + 32) { base[j] = UInt64(littleEndian: base[j]) }
            #endif
            nextCounter &+= 4
            i += 32
        }
        while i < output.count { base[i] = next(); i += 1 }
    }

    /// The next `count` keystream words, each ANDed with `mask`.
    @inlinable
    public mutating func words(_ count: Int, mask: UInt64 = .max) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { fill($0) }
        if mask != .max { for i in 0..<count { out[i] &= mask } }
        return out
    }
}

/// Errors from the randomness module.
public enum RandomnessError: Error, Equatable, CustomStringConvertible {
    /// A ChaCha20 key must be 32 bytes; the associated value is the length given.
    case invalidKeyLength(Int)

    public var description: String {
        switch self {
        case let .invalidKeyLength(n): "ChaCha20 key must be 32 bytes, got \(n)"
        }
    }
}
