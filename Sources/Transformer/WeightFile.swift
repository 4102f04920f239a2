import Foundation
import Tensors

/// Model weights stored on disk: a `.safetensors` file, one `.npy` file, or a directory of
/// `.npy` files.
///
/// Loading memory-maps the file, reads only the headers and validates every tensor's layout
/// (dtype, shape, byte range), so a malformed file fails in `load(path:)` with a
/// `WeightFileError` and never traps. The tensor data stays in the mapped file until a tensor
/// is asked for; `tensor(_:)` then converts it to `Double` in row-major order with one
/// allocation. GPT-2 small (548 MB of float32) thus costs its mapping plus the tensors in use.
///
/// Formats:
/// - safetensors (<https://github.com/huggingface/safetensors>): an 8-byte little-endian
///   header length N, N bytes of UTF-8 JSON `{"name": {"dtype", "shape", "data_offsets":
///   [begin, end]}, "__metadata__": {…}}`, then the data; offsets are bytes from the end of
///   the header. Dtypes F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL.
/// - NumPy `.npy` versions 1.0, 2.0 and 3.0
///   (<https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html>): the tensor is
///   named by the file's base name. Descriptors `f8 f4 f2 i8 i4 i2 i1 u1 b1`, little- or
///   big-endian; `fortran_order: True` data is transposed into row-major order.
public struct WeightFile: Sendable {
    /// The file or directory this was loaded from, as given to `load(path:)`.
    public let path: String

    /// Every tensor's layout, by name.
    public let entries: [String: Entry]

    /// The safetensors header's `__metadata__` string map; empty for `.npy`.
    public let metadata: [String: String]

    /// Tensor names in ascending order.
    public var names: [String] { entries.keys.sorted() }

    /// Where and how one tensor is stored. Validated at load: its bytes lie inside the file
    /// and number exactly `elementCount × dtype.byteWidth`.
    public struct Entry: Sendable {
        /// The stored element type.
        public let dtype: WeightDType
        /// Extent of each axis, in the row-major order `tensor(_:)` returns; `[]` is a scalar.
        public let shape: [Int]
        /// Number of elements (the product of `shape`; 1 for a scalar).
        public let elementCount: Int
        /// Offset of the first element from the start of the file, in bytes.
        public let byteOffset: Int
        /// Whether the file stores the elements big-endian (only `.npy` with a `>` descriptor).
        public let isBigEndian: Bool
        /// Whether the file stores the elements column-major (`.npy` with `fortran_order: True`).
        public let isColumnMajor: Bool
        /// The whole mapped file the elements live in.
        let file: Data
    }

    /// Loads the weights at `path`, dispatching on its kind: a `.safetensors` file, a `.npy`
    /// file (one tensor named by the base name, e.g. `wte.npy` → `wte`), or a directory (every
    /// `.npy` inside, not recursing, each named by its base name).
    ///
    /// - Throws: `WeightFileError` naming the file (and tensor) for a missing or unreadable
    ///   path, an unsupported extension, or any malformed header or tensor layout.
    public static func load(path: String) throws(WeightFileError) -> WeightFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadable(path: path, reason: "no such file or directory")
        }
        if isDirectory.boolValue { return try loadNumpyDirectory(path) }
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "safetensors":
            return try loadSafetensors(path)
        case "npy":
            let entry = try numpyEntry(path)
            return WeightFile(path: path, entries: [baseName(path): entry], metadata: [:])
        default:
            throw .unsupportedFormat(path: path, reason: "expected a .safetensors file, a .npy file or a directory of .npy files")
        }
    }

    /// The tensor `name`, converted to `Double` in row-major order.
    ///
    /// Integers convert exactly up to 2^53 in magnitude (beyond, to the nearest `Double`);
    /// F16 and BF16 convert exactly.
    /// - Throws: `WeightFileError.noSuchTensor` with up to 5 stored names sharing the longest
    ///   prefix with `name`.
    public func tensor(_ name: String) throws(WeightFileError) -> Tensor<Double> {
        guard let entry = entries[name] else {
            throw .noSuchTensor(path: path, name: name, suggestions: Self.namesNearest(to: name, in: Array(entries.keys)))
        }
        return entry.decodedTensor()
    }

    /// Every tensor, converted as by `tensor(_:)`. Holds them all in memory at 8 bytes per
    /// element: prefer `tensor(_:)` for large models.
    public func allTensors() -> [String: Tensor<Double>] {
        entries.mapValues { $0.decodedTensor() }
    }

    /// Up to `limit` of `names` sharing the longest non-empty common prefix with `name`, sorted.
    static func namesNearest(to name: String, in names: [String], limit: Int = 5) -> [String] {
        let scored = names.map { ($0, zip($0, name).prefix { $0 == $1 }.count) }
        guard let best = scored.map(\.1).max(), best > 0 else { return [] }
        return Array(scored.filter { $0.1 == best }.map(\.0).sorted().prefix(limit))
    }
}

/// The element types a weight file may store; all convert to `Double`.
public enum WeightDType: String, Sendable, CaseIterable {
    /// IEEE 754 binary64.
    case float64 = "F64"
    /// IEEE 754 binary32.
    case float32 = "F32"
    /// IEEE 754 binary16.
    case float16 = "F16"
    /// bfloat16: the upper 16 bits of a binary32.
    case bfloat16 = "BF16"
    /// Two's-complement signed integers of 64, 32, 16 and 8 bits.
    case int64 = "I64", int32 = "I32", int16 = "I16", int8 = "I8"
    /// Unsigned 8-bit integer.
    case uint8 = "U8"
    /// One byte per element; 0 is false (0.0), anything else true (1.0).
    case bool = "BOOL"

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .float64, .int64: 8
        case .float32, .int32: 4
        case .float16, .bfloat16, .int16: 2
        case .int8, .uint8, .bool: 1
        }
    }

    /// The type of a NumPy descriptor's kind and width (`f4`, `i8`, `b1`, …); bfloat16 has none.
    init?(numpyKind kind: Character, byteWidth: Int) {
        let match = Self.allCases.first { $0 != .bfloat16 && $0.numpyKind == kind && $0.byteWidth == byteWidth }
        guard let match else { return nil }
        self = match
    }

    private var numpyKind: Character {
        switch self {
        case .float64, .float32, .float16, .bfloat16: "f"
        case .int64, .int32, .int16, .int8: "i"
        case .uint8: "u"
        case .bool: "b"
        }
    }
}

/// Why weights could not be loaded or a tensor found. Every case names the file (or directory).
public enum WeightFileError: Error, Equatable, CustomStringConvertible {
    /// The path does not exist or could not be read or listed.
    case unreadable(path: String, reason: String)
    /// The path is not a `.safetensors` file, a `.npy` file or a directory of `.npy` files.
    case unsupportedFormat(path: String, reason: String)
    /// The file's framing or header is broken: too short, bad magic, header length beyond the
    /// file, header not a JSON object or Python dict, duplicate names.
    case malformedHeader(path: String, reason: String)
    /// One tensor's header entry is unusable: unsupported dtype, bad shape, or a byte range
    /// outside the data or not matching the shape.
    case invalidTensor(path: String, tensor: String, reason: String)
    /// No tensor `name`; `suggestions` are stored names sharing the longest prefix with it.
    case noSuchTensor(path: String, name: String, suggestions: [String])

    /// The file or directory the error is about.
    public var path: String {
        switch self {
        case let .unreadable(path, _), let .unsupportedFormat(path, _), let .malformedHeader(path, _),
             let .invalidTensor(path, _, _), let .noSuchTensor(path, _, _):
            path
        }
    }

    /// "<path>: <what is wrong>", e.g. "weights.safetensors: tensor 'h.0.attn.c_attn.weight':
    /// data_offsets [0, 12] do not match shape [2, 3] × 4 bytes".
    public var description: String {
        switch self {
        case let .unreadable(path, reason), let .unsupportedFormat(path, reason), let .malformedHeader(path, reason):
            "\(path): \(reason)"
        case let .invalidTensor(path, tensor, reason):
            "\(path): tensor '\(tensor)': \(reason)"
        case let .noSuchTensor(path, name, suggestions) where suggestions.isEmpty:
            "\(path): no tensor '\(name)'"
        case let .noSuchTensor(path, name, suggestions):
            "\(path): no tensor '\(name)'; did you mean \(suggestions.map { "'\($0)'" }.joined(separator: ", "))?"
        }
    }
}

// MARK: - safetensors

extension WeightFile {
    static func loadSafetensors(_ path: String) throws(WeightFileError) -> WeightFile {
        let file = try mapFile(path)
        guard file.count >= 8 else {
            throw .malformedHeader(path: path, reason: "file is \(file.count) bytes; a safetensors file starts with an 8-byte header length")
        }
        let declaredLength = UInt64(littleEndian: readInteger(UInt64.self, from: file, at: 0))
        guard declaredLength <= UInt64(file.count - 8) else {
            throw .malformedHeader(path: path, reason: "header length \(declaredLength) bytes exceeds the \(file.count - 8) bytes after the length field")
        }
        let dataStart = 8 + Int(declaredLength)
        let dataLength = file.count - dataStart
        let header = try parseHeader(bytes(of: file, 8..<dataStart), path: path, format: "JSON")
        guard case let .object(fields) = header else {
            throw .malformedHeader(path: path, reason: "header is not a JSON object")
        }
        var entries = [String: Entry](), metadata = [String: String]()
        for (name, value) in fields {
            if name == "__metadata__" {
                metadata = try safetensorsMetadata(value, path: path)
                continue
            }
            func invalid(_ reason: String) -> WeightFileError { .invalidTensor(path: path, tensor: name, reason: reason) }
            guard case .object = value else { throw invalid("entry is not a JSON object") }
            guard case let .string(dtypeName)? = value.field("dtype") else { throw invalid("missing string field 'dtype'") }
            guard let dtype = WeightDType(rawValue: dtypeName) else {
                throw invalid("unsupported dtype '\(dtypeName)'; supported: \(WeightDType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let shape = value.field("shape")?.nonNegativeIntegers else {
                throw invalid("'shape' must be a list of non-negative integers")
            }
            guard let offsets = value.field("data_offsets")?.nonNegativeIntegers, offsets.count == 2 else {
                throw invalid("'data_offsets' must be two non-negative integers [begin, end]")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin <= end, end <= dataLength else {
                throw invalid("data_offsets [\(begin), \(end)] lie outside the data section of \(dataLength) bytes")
            }
            guard let size = storageSize(shape: shape, dtype: dtype) else {
                throw invalid("shape \(shape) × \(dtype.byteWidth) bytes overflows")
            }
            guard size.bytes == end - begin else {
                throw invalid("data_offsets [\(begin), \(end)] do not match shape \(shape) × \(dtype.byteWidth) bytes")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, elementCount: size.elements, byteOffset: dataStart + begin,
                                  isBigEndian: false, isColumnMajor: false, file: file)
        }
        return WeightFile(path: path, entries: entries, metadata: metadata)
    }

    private static func safetensorsMetadata(_ value: HeaderValue, path: String) throws(WeightFileError) -> [String: String] {
        guard case let .object(fields) = value else {
            throw .malformedHeader(path: path, reason: "'__metadata__' is not a JSON object")
        }
        var metadata = [String: String]()
        for (key, value) in fields {
            guard case let .string(text) = value else {
                throw .malformedHeader(path: path, reason: "'__metadata__' value for '\(key)' is not a string")
            }
            metadata[key] = text
        }
        return metadata
    }
}

// MARK: - NumPy .npy

extension WeightFile {
    /// Every `.npy` file directly inside `directory`, named by base name.
    static func loadNumpyDirectory(_ directory: String) throws(WeightFileError) -> WeightFile {
        let listing: [String]
        do {
            listing = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw .unreadable(path: directory, reason: error.localizedDescription)
        }
        let files = listing.filter { URL(fileURLWithPath: $0).pathExtension.lowercased() == "npy" }.sorted()
        guard !files.isEmpty else { throw .unsupportedFormat(path: directory, reason: "directory holds no .npy files") }
        var entries = [String: Entry]()
        for file in files {
            let path = URL(fileURLWithPath: directory).appendingPathComponent(file).path
            let name = baseName(file)
            guard entries[name] == nil else {
                throw .malformedHeader(path: directory, reason: "two .npy files are named '\(name)'")
            }
            entries[name] = try numpyEntry(path)
        }
        return WeightFile(path: directory, entries: entries, metadata: [:])
    }

    /// The one array in the `.npy` file at `path`.
    static func numpyEntry(_ path: String) throws(WeightFileError) -> Entry {
        let file = try mapFile(path)
        let name = baseName(path)
        func malformed(_ reason: String) -> WeightFileError { .malformedHeader(path: path, reason: reason) }
        func invalid(_ reason: String) -> WeightFileError { .invalidTensor(path: path, tensor: name, reason: reason) }

        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
        guard file.count >= 8, bytes(of: file, 0..<6) == magic else {
            throw malformed("not a .npy file: it does not start with the magic \\x93NUMPY")
        }
        let major = bytes(of: file, 6..<7)[0]
        let lengthFieldBytes: Int
        switch major {
        case 1: lengthFieldBytes = 2
        case 2, 3: lengthFieldBytes = 4
        default: throw malformed("unsupported .npy format version \(major); supported: 1, 2, 3")
        }
        let headerStart = 8 + lengthFieldBytes
        guard file.count >= headerStart else { throw malformed("file ends inside the header length field") }
        let headerLength = lengthFieldBytes == 2
            ? UInt64(UInt16(littleEndian: readInteger(UInt16.self, from: file, at: 8)))
            : UInt64(UInt32(littleEndian: readInteger(UInt32.self, from: file, at: 8)))
        guard headerLength <= UInt64(file.count - headerStart) else {
            throw malformed("header length \(headerLength) bytes exceeds the \(file.count - headerStart) bytes after the length field")
        }
        let dataStart = headerStart + Int(headerLength)
        let header = try parseHeader(bytes(of: file, headerStart..<dataStart), path: path, format: "Python dict")

        guard case .object = header else { throw malformed("header is not a Python dict") }
        guard let descriptor = header.field("descr") else { throw malformed("header has no 'descr'") }
        guard case let .string(descr) = descriptor else {
            throw invalid("structured dtypes are not supported (descr is not a plain type string)")
        }
        guard let type = numpyType(descr) else {
            throw invalid("unsupported descr '\(descr)'; supported: <f8 <f4 <f2 <i8 <i4 <i2 |i1 |u1 |b1 (or big-endian '>')")
        }
        let (dtype, isBigEndian) = (type.dtype, type.isBigEndian)
        guard case let .bool(isColumnMajor)? = header.field("fortran_order") else {
            throw malformed("header has no boolean 'fortran_order'")
        }
        guard let shape = header.field("shape")?.nonNegativeIntegers else {
            throw malformed("header 'shape' is not a tuple of non-negative integers")
        }
        guard let size = storageSize(shape: shape, dtype: dtype) else {
            throw invalid("shape \(shape) × \(dtype.byteWidth) bytes overflows")
        }
        guard size.bytes == file.count - dataStart else {
            throw invalid("data holds \(file.count - dataStart) bytes; shape \(shape) × \(dtype.byteWidth) bytes needs \(size.bytes)")
        }
        return Entry(dtype: dtype, shape: shape, elementCount: size.elements, byteOffset: dataStart,
                     isBigEndian: isBigEndian, isColumnMajor: isColumnMajor, file: file)
    }

    /// The element type and byte order of a descriptor such as `<f4` or `|u1`.
    private static func numpyType(_ descr: String) -> (dtype: WeightDType, isBigEndian: Bool)? {
        let characters = Array(descr)
        guard characters.count >= 3, let width = Int(String(characters[2...])),
              let dtype = WeightDType(numpyKind: characters[1], byteWidth: width) else { return nil }
        switch characters[0] {
        case "<": return (dtype, false)
        case ">": return (dtype, true)
        case "|" where width == 1: return (dtype, false)
        default: return nil
        }
    }
}

// MARK: - Shared helpers

extension WeightFile {
    /// The file at `path`, memory-mapped.
    static func mapFile(_ path: String) throws(WeightFileError) -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
    }

    /// The file name without directory and extension: `/m/wte.npy` → `wte`.
    static func baseName(_ path: String) -> String {
        URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    }

    /// Element count and byte count of `shape` stored as `dtype`, or nil on `Int` overflow.
    static func storageSize(shape: [Int], dtype: WeightDType) -> (elements: Int, bytes: Int)? {
        var elements = 1
        for extent in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: extent)
            guard !overflow else { return nil }
            elements = product
        }
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.byteWidth)
        return overflow ? nil : (elements, bytes)
    }

    /// The bytes of `data` in `range` (offsets from the start of `data`); the caller checks bounds.
    static func bytes(of data: Data, _ range: Range<Int>) -> [UInt8] {
        data.withUnsafeBytes { Array($0[range]) }
    }

    /// The value of type `T` stored at byte `offset` of `data`, in file byte order.
    static func readInteger<T: FixedWidthInteger & BitwiseCopyable>(_: T.Type, from data: Data, at offset: Int) -> T {
        data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
    }

    static func parseHeader(_ bytes: [UInt8], path: String, format: String) throws(WeightFileError) -> HeaderValue {
        do throws(HeaderParser.Failure) {
            return try HeaderParser.parse(bytes)
        } catch {
            throw .malformedHeader(path: path, reason: "header is not a valid \(format): \(error.message)")
        }
    }
}

// MARK: - Decoding

extension WeightFile.Entry {
    /// The tensor, row-major. Column-major (Fortran-order) data is the row-major tensor of
    /// the reversed shape, transposed back.
    func decodedTensor() -> Tensor<Double> {
        let values = decode()
        guard isColumnMajor, shape.count > 1 else { return Tensor(uncheckedShape: shape, scalars: values) }
        let reversed = Tensor(uncheckedShape: shape.reversed(), scalars: values)
        return (try? reversed.transposed(Array(shape.indices.reversed()))) ?? reversed
    }

    /// The elements as `Double`, in storage order; one allocation.
    func decode() -> [Double] {
        withElements { count, element in
            [Double](unsafeUninitializedCapacity: count) { out, initialized in
                for i in 0..<count { out[i] = element(i) }
                initialized = count
            }
        }
    }

    /// The storage index of the first NaN or infinity, or nil when every element is finite
    /// (integer dtypes always are); reads the map without allocating.
    func firstNonFinite() -> Int? {
        switch dtype {
        case .float64, .float32, .float16, .bfloat16: withElements { count, element in (0..<count).first { !element($0).isFinite } }
        default: nil
        }
    }

    /// Calls `body` with the element count and an accessor of element i (storage order)
    /// converted to `Double`, reading the mapped bytes in place.
    private func withElements<R>(_ body: (Int, (Int) -> Double) -> R) -> R {
        switch dtype {
        case .float64: withElements(UInt64.self, { Double(bitPattern: $0) }, body)
        case .float32: withElements(UInt32.self, { Double(Float(bitPattern: $0)) }, body)
        case .float16: withElements(UInt16.self, doubleFromHalf, body)
        case .bfloat16: withElements(UInt16.self, { Double(Float(bitPattern: UInt32($0) << 16)) }, body)
        case .int64: withElements(Int64.self, { Double($0) }, body)
        case .int32: withElements(Int32.self, { Double($0) }, body)
        case .int16: withElements(Int16.self, { Double($0) }, body)
        case .int8: withElements(Int8.self, { Double($0) }, body)
        case .uint8: withElements(UInt8.self, { Double($0) }, body)
        case .bool: withElements(UInt8.self, { $0 == 0 ? 0 : 1 }, body)
        }
    }

    private func withElements<Raw: FixedWidthInteger & BitwiseCopyable, R>(_: Raw.Type, _ convert: @escaping (Raw) -> Double,
                                                                          _ body: (Int, (Int) -> Double) -> R) -> R {
        let width = MemoryLayout<Raw>.size, start = byteOffset, bigEndian = isBigEndian
        return file.withUnsafeBytes { bytes in
            body(elementCount) { index in
                let raw = bytes.loadUnaligned(fromByteOffset: start + index * width, as: Raw.self)
                return convert(bigEndian ? Raw(bigEndian: raw) : Raw(littleEndian: raw))
            }
        }
    }
}

/// IEEE 754 binary16 bits to `Double`, exactly (portable: `Float16` is unavailable on macOS x86_64).
private func doubleFromHalf(_ bits: UInt16) -> Double {
    let sign: Double = bits & 0x8000 == 0 ? 1 : -1
    let exponent = Int(bits >> 10 & 0x1F), fraction = Double(bits & 0x3FF)
    switch exponent {
    case 0: return sign * fraction * 0x1p-24                              // zero and subnormals
    case 0x1F: return fraction == 0 ? sign * .infinity : .nan
    default: return sign * (1024 + fraction) * Double(sign: .plus, exponent: exponent - 25, significand: 1)
    }
}

// MARK: - Header parsing

/// A value in a safetensors JSON header or a `.npy` Python-literal header.
enum HeaderValue {
    /// Key–value pairs in file order; keys are unique.
    case object([(String, HeaderValue)])
    /// A JSON array, Python list or Python tuple.
    case list([HeaderValue])
    case string(String)
    case integer(Int)
    /// A number that is not an integer fitting `Int`, as written.
    case otherNumber(String)
    case bool(Bool)
    case null

    /// The value of `key` if this is an object holding it.
    func field(_ key: String) -> HeaderValue? {
        guard case let .object(fields) = self else { return nil }
        return fields.first { $0.0 == key }?.1
    }

    /// The items if this is a list of non-negative integers.
    var nonNegativeIntegers: [Int]? {
        guard case let .list(items) = self else { return nil }
        var values = [Int]()
        for item in items {
            guard case let .integer(value) = item, value >= 0 else { return nil }
            values.append(value)
        }
        return values
    }
}

/// A recursive-descent parser for the union of JSON and the Python literals NumPy writes:
/// objects/dicts, `[…]` and `(…)` sequences (trailing commas allowed), `"…"` and `'…'`
/// strings with JSON escapes, numbers (an `L` suffix is accepted), `true`/`True`,
/// `false`/`False`, `null`/`None`. Duplicate keys and nesting deeper than 64 are errors.
struct HeaderParser {
    struct Failure: Error {
        let message: String
    }

    private let bytes: [UInt8]
    private var position = 0
    private var depth = 0

    static func parse(_ bytes: [UInt8]) throws(Failure) -> HeaderValue {
        var parser = HeaderParser(bytes: bytes)
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.failure("unexpected text after the value") }
        return value
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private var next: UInt8? { position < bytes.count ? bytes[position] : nil }

    private func failure(_ message: String) -> Failure {
        Failure(message: "\(message) at byte \(position)")
    }

    private mutating func skipWhitespace() {
        while let byte = next, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
    }

    private mutating func value() throws(Failure) -> HeaderValue {
        skipWhitespace()
        guard let byte = next else { throw failure("unexpected end") }
        switch byte {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return .list(try sequence(closedBy: UInt8(ascii: "]")))
        case UInt8(ascii: "("): return .list(try sequence(closedBy: UInt8(ascii: ")")))
        case UInt8(ascii: "\""), UInt8(ascii: "'"): return .string(try string())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: return try word()
        }
    }

    private mutating func enter() throws(Failure) {
        depth += 1
        guard depth <= 64 else { throw failure("nesting deeper than 64") }
        position += 1  // the opening bracket
    }

    private mutating func object() throws(Failure) -> HeaderValue {
        try enter()
        defer { depth -= 1 }
        var fields = [(String, HeaderValue)](), keys = Set<String>()
        while true {
            skipWhitespace()
            if next == UInt8(ascii: "}") {
                position += 1
                return .object(fields)
            }
            guard next == UInt8(ascii: "\"") || next == UInt8(ascii: "'") else { throw failure("expected a quoted key") }
            let keyStart = position
            let key = try string()
            guard keys.insert(key).inserted else { throw Failure(message: "duplicate key '\(key)' at byte \(keyStart)") }
            skipWhitespace()
            guard next == UInt8(ascii: ":") else { throw failure("expected ':'") }
            position += 1
            fields.append((key, try value()))
            skipWhitespace()
            if next == UInt8(ascii: ",") {
                position += 1
            } else if next != UInt8(ascii: "}") {
                throw failure("expected ',' or '}'")
            }
        }
    }

    private mutating func sequence(closedBy close: UInt8) throws(Failure) -> [HeaderValue] {
        try enter()
        defer { depth -= 1 }
        var items = [HeaderValue]()
        while true {
            skipWhitespace()
            if next == close {
                position += 1
                return items
            }
            items.append(try value())
            skipWhitespace()
            if next == UInt8(ascii: ",") {
                position += 1
            } else if next != close {
                throw failure("expected ',' or '\(Character(Unicode.Scalar(close)))'")
            }
        }
    }

    private mutating func string() throws(Failure) -> String {
        let quote = bytes[position]
        position += 1
        var utf8 = [UInt8]()
        while let byte = next {
            position += 1
            switch byte {
            case quote:
                guard let text = String(validating: utf8, as: UTF8.self) else { throw failure("string is not valid UTF-8") }
                return text
            case UInt8(ascii: "\\"):
                utf8.append(contentsOf: try escape())
            case 0..<0x20:
                throw failure("control character in a string")
            default:
                utf8.append(byte)
            }
        }
        throw failure("unterminated string")
    }

    /// The UTF-8 bytes of the escape after a backslash.
    private mutating func escape() throws(Failure) -> [UInt8] {
        guard let byte = next else { throw failure("unterminated string") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "\\"), UInt8(ascii: "/"): return [byte]
        case UInt8(ascii: "b"): return [0x08]
        case UInt8(ascii: "f"): return [0x0C]
        case UInt8(ascii: "n"): return [0x0A]
        case UInt8(ascii: "r"): return [0x0D]
        case UInt8(ascii: "t"): return [0x09]
        case UInt8(ascii: "u"):
            var code = try hexQuad()
            if (0xD800..<0xDC00).contains(code) {
                guard bytes[position...].starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "u")]) else {
                    throw failure("unpaired surrogate in \\u escape")
                }
                position += 2
                let low = try hexQuad()
                guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate in \\u escape") }
                code = 0x10000 + (code - 0xD800) << 10 + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(code) else { throw failure("invalid \\u escape") }
            return Array(String(Character(scalar)).utf8)
        default:
            throw failure("unknown escape")
        }
    }

    private mutating func hexQuad() throws(Failure) -> UInt32 {
        var code: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = next, let digit = Character(Unicode.Scalar(byte)).hexDigitValue else {
                throw failure("expected 4 hex digits in \\u escape")
            }
            code = code << 4 | UInt32(digit)
            position += 1
        }
        return code
    }

    private mutating func number() throws(Failure) -> HeaderValue {
        let start = position
        if next == UInt8(ascii: "-") { position += 1 }
        try digits()
        var isInteger = true
        if next == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            try digits()
        }
        if next == UInt8(ascii: "e") || next == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if next == UInt8(ascii: "+") || next == UInt8(ascii: "-") { position += 1 }
            try digits()
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if isInteger, next == UInt8(ascii: "L") { position += 1 }  // Python 2 long, in old .npy shapes
        if isInteger, let value = Int(text) { return .integer(value) }
        return .otherNumber(text)
    }

    private mutating func digits() throws(Failure) {
        let start = position
        while let byte = next, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
        guard position > start else { throw failure("expected a digit") }
    }

    private mutating func word() throws(Failure) -> HeaderValue {
        let start = position
        while let byte = next, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) { position += 1 }
        switch String(decoding: bytes[start..<position], as: UTF8.self) {
        case "true", "True": return .bool(true)
        case "false", "False": return .bool(false)
        case "null", "None": return .null
        case "":
            throw failure("unexpected character")
        case let other:
            position = start
            throw failure("unexpected word '\(other)'")
        }
    }
}
