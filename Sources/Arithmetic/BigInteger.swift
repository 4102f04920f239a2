import CGMP

/// An arbitrary-precision signed integer backed by GMP's `mpz_t`, with value semantics.
///
/// Storage is copy-on-write: copies share one `mpz_t` until one of them is mutated.
/// The `mpz_t` is released (`mpz_clear`) when the last copy goes away.
///
/// For hot loops use the in-place forms (`formMultiply(by:modulo:)`, `formAdd(_:)`, …),
/// which reuse the limbs already allocated instead of creating a new integer per step.
public struct BigInteger: @unchecked Sendable {
    @usableFromInline var storage: Storage

    /// Reference-counted owner of one `mpz_t`.
    @usableFromInline
    final class Storage {
        @usableFromInline let pointer: UnsafeMutablePointer<__mpz_struct>

        @usableFromInline init() {
            pointer = .allocate(capacity: 1)
            __gmpz_init(pointer)
        }

        @usableFromInline init(copying other: UnsafePointer<__mpz_struct>) {
            pointer = .allocate(capacity: 1)
            __gmpz_init_set(pointer, other)
        }

        deinit {
            __gmpz_clear(pointer)
            pointer.deallocate()
        }
    }

    /// Zero.
    @inlinable public init() { storage = Storage() }

    @inlinable init(storage: Storage) { self.storage = storage }

    /// Read-only access to the underlying `mpz_t`.
    @inlinable
    public func withUnsafeMPZ<R>(_ body: (UnsafePointer<__mpz_struct>) throws -> R) rethrows -> R {
        try body(UnsafePointer(storage.pointer))
    }

    /// Mutable access to the underlying `mpz_t`, copying first if the storage is shared.
    @inlinable
    public mutating func withUnsafeMutableMPZ<R>(_ body: (UnsafeMutablePointer<__mpz_struct>) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) {
            storage = Storage(copying: storage.pointer)
        }
        return try body(storage.pointer)
    }

    /// Mutable access for an operation that overwrites the value completely: when the
    /// storage is shared, fresh storage is allocated instead of copying the old value.
    @inlinable
    mutating func withOverwrittenMPZ<R>(_ body: (UnsafeMutablePointer<__mpz_struct>) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage() }
        return try body(storage.pointer)
    }

    /// Makes a new integer by running `body` on a fresh `mpz_t`.
    @inlinable
    static func make(_ body: (UnsafeMutablePointer<__mpz_struct>) -> Void) -> BigInteger {
        let s = Storage()
        body(s.pointer)
        return BigInteger(storage: s)
    }
}

// MARK: - Initialisers from machine integers

extension BigInteger {
    /// Creates an integer equal to `value`.
    @inlinable public init(_ value: Int) {
        self.init()
        __gmpz_set_si(storage.pointer, value)
    }

    /// Creates an integer equal to `value`.
    @inlinable public init(_ value: UInt64) {
        self.init()
        __gmpz_set_ui(storage.pointer, UInt(value))
    }

    /// Creates an integer equal to `value`.
    @inlinable public init(_ value: Int64) { self.init(Int(value)) }

    /// Creates an integer equal to `value`.
    @inlinable public init(_ value: UInt128) {
        self.init(UInt64(truncatingIfNeeded: value >> 64))
        __gmpz_mul_2exp(storage.pointer, storage.pointer, 64)
        __gmpz_add_ui(storage.pointer, storage.pointer, UInt(UInt64(truncatingIfNeeded: value)))
    }

    /// Creates an integer equal to `value`.
    @inlinable public init(_ value: Int128) {
        let magnitude = BigInteger(value.magnitude)
        self = value < 0 ? -magnitude : magnitude
    }

    /// Creates the integer nearest to `value` rounded toward zero.
    ///
    /// - Returns: nil when `value` is infinite or NaN.
    @inlinable public init?(exactly value: Double) {
        guard value.isFinite, value == value.rounded(.towardZero) else { return nil }
        self.init()
        __gmpz_set_d(storage.pointer, value)
    }

    /// Creates the integer `value` rounded toward zero.
    ///
    /// - Returns: nil when `value` is infinite or NaN.
    @inlinable public init?(truncating value: Double) {
        guard value.isFinite else { return nil }
        self.init()
        __gmpz_set_d(storage.pointer, value)
    }

    /// 2^exponent.
    @inlinable public static func powerOfTwo(_ exponent: Int) -> BigInteger {
        make { z in
            __gmpz_set_ui(z, 1)
            __gmpz_mul_2exp(z, z, mp_bitcnt_t(exponent))
        }
    }
}

extension BigInteger: ExpressibleByIntegerLiteral {
    @inlinable public init(integerLiteral value: Int) { self.init(value) }
}
