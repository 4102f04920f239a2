import CGMP

// MARK: - Text

extension BigInteger {
    /// Parses an integer written in `radix` (2…62), with an optional leading `+` or `-`.
    ///
    /// Digits follow GMP: `0-9`, then letters. For radix ≤ 36 upper- and lower-case letters
    /// are the same digits; for radix 37…62 `A-Z` are 10…35 and `a-z` are 36…61.
    /// Whitespace is not accepted.
    ///
    /// - Throws: `ArithmeticError.invalidRadix`, `.emptyNumber`, or `.invalidDigit` with the
    ///   offset of the first character that is not a digit of the radix.
    public init(parsing text: String, radix: Int = 10) throws(ArithmeticError) {
        guard (2...62).contains(radix) else { throw .invalidRadix(radix) }
        var sawDigit = false
        for (offset, character) in text.enumerated() {
            if offset == 0, character == "-" || character == "+" { continue }
            guard let ascii = character.asciiValue, let d = Self.digitValue(ascii, radix: radix), d < radix else {
                throw .invalidDigit(text: text, offset: offset, radix: radix)
            }
            sawDigit = true
        }
        guard sawDigit else { throw .emptyNumber }
        // GMP rejects a leading '+'; the sign was validated above.
        let digits = text.hasPrefix("+") ? String(text.dropFirst()) : text
        self.init()
        let status = digits.withCString { cstr in __gmpz_set_str(storage.pointer, cstr, Int32(radix)) }
        guard status == 0 else { throw .invalidDigit(text: text, offset: 0, radix: radix) }
    }

    @usableFromInline static func digitValue(_ c: UInt8, radix: Int) -> Int? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(c - UInt8(ascii: "0"))
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): Int(c - UInt8(ascii: "A")) + 10
        case UInt8(ascii: "a")...UInt8(ascii: "z"):
            radix <= 36 ? Int(c - UInt8(ascii: "a")) + 10 : Int(c - UInt8(ascii: "a")) + 36
        default: nil
        }
    }

    /// The integer written in `radix` (2…62). Letters are lower-case for radix ≤ 36
    /// unless `uppercase` is set.
    ///
    /// - Throws: `ArithmeticError.invalidRadix` outside 2…62.
    public func text(radix: Int, uppercase: Bool = false) throws(ArithmeticError) -> String {
        guard (2...62).contains(radix) else { throw .invalidRadix(radix) }
        let gmpBase: Int32 = (uppercase && radix <= 36) ? -Int32(radix) : Int32(radix)
        return withUnsafeMPZ { z in
            let capacity = Int(__gmpz_sizeinbase(z, Int32(radix))) + 2
            var buffer = [CChar](repeating: 0, count: capacity)
            buffer.withUnsafeMutableBufferPointer { p in _ = __gmpz_get_str(p.baseAddress, gmpBase, z) }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}

extension BigInteger: CustomStringConvertible, LosslessStringConvertible {
    /// Decimal digits.
    public var description: String {
        (try? text(radix: 10)) ?? "?"
    }

    /// Parses a decimal integer; nil when `description` is not one.
    public init?(_ description: String) {
        guard let value = try? BigInteger(parsing: description) else { return nil }
        self = value
    }
}

// MARK: - Machine integers and Double

extension BigInteger {
    /// The value as `Int`, or nil when it does not fit.
    @inlinable public var exactInt: Int? {
        withUnsafeMPZ { z in pisim_mpz_fits_slong_p(z) != 0 ? __gmpz_get_si(z) : nil }
    }

    /// The value as `UInt64`, or nil when it is negative or does not fit.
    @inlinable public var exactUInt64: UInt64? {
        withUnsafeMPZ { z in pisim_mpz_fits_ulong_p(z) != 0 ? UInt64(pisim_mpz_get_ui(z)) : nil }
    }

    /// The low 64 bits of the two's-complement form (value mod 2^64).
    @inlinable public var truncatedUInt64: UInt64 {
        let low = withUnsafeMPZ { UInt64(pisim_mpz_get_ui($0)) }
        return signum < 0 ? 0 &- low : low
    }

    /// The value as `UInt128`, or nil when it is negative or does not fit.
    @inlinable public var exactUInt128: UInt128? {
        guard signum >= 0, bitWidth <= 128 else { return nil }
        let w = magnitudeWords
        return UInt128(w.count > 1 ? w[1] : 0) << 64 | UInt128(w.first ?? 0)
    }

    /// The `Double` nearest to the value (ties to even); ±infinity beyond Double's range.
    public var doubleValue: Double {
        let bits = bitWidth
        if bits <= 64 {
            let m = withUnsafeMPZ { UInt64(pisim_mpz_get_ui($0)) }
            return signum < 0 ? -Double(m) : Double(m)
        }
        // Keep the top 64 bits and fold every lower bit into a sticky bit: 64 > 53 + 2,
        // so converting that word rounds exactly as the full value would.
        let shift = bits - 64
        let mag = magnitude
        var top = (mag >> shift).truncatedUInt64
        let lowIsZero = withUnsafeMPZ { z in Int(__gmpz_scan1(z, 0)) >= shift } // lowest set bit at or above shift
        if !lowIsZero { top |= 1 }
        let result = Double(sign: signum < 0 ? .minus : .plus, exponent: shift, significand: Double(top))
        return result
    }
}

// MARK: - Random sampling

extension BigInteger {
    /// A uniformly random integer in [0, bound), by rejection sampling on ⌈log2 bound⌉-bit
    /// candidates (no modulo bias; fewer than 2 draws expected).
    ///
    /// - Precondition: `bound` > 0.
    public static func random<G: RandomNumberGenerator>(below bound: BigInteger, using generator: inout G) -> BigInteger {
        precondition(bound.signum > 0, "random(below:) needs a positive bound")
        let bits = (bound - 1).bitWidth
        if bits == 0 { return BigInteger() }
        let wordCount = (bits + 63) / 64
        let topMask: UInt64 = bits % 64 == 0 ? ~0 : (1 << UInt64(bits % 64)) - 1
        var words = [UInt64](repeating: 0, count: wordCount)
        var candidate = BigInteger()
        while true {
            for i in 0..<wordCount { words[i] = generator.next() }
            words[wordCount - 1] &= topMask
            candidate.setMagnitude(words: words)
            if candidate < bound { return candidate }
        }
    }

    /// Sets the value to the non-negative integer with these 64-bit limbs (least significant first).
    public mutating func setMagnitude(words: [UInt64]) {
        withOverwrittenMPZ { z in
            words.withUnsafeBufferPointer { p in
                __gmpz_import(z, p.count, -1, 8, 0, 0, p.baseAddress)
            }
        }
    }

    /// The non-negative integer with these 64-bit limbs (least significant first).
    public init(words: [UInt64]) {
        self.init()
        setMagnitude(words: words)
    }
}
