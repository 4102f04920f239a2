import Foundation
import Tensors
import Testing
@testable import Transformer

/// Fixtures written by `Fixtures/weights/make_weight_fixtures.py` (numpy + safetensors).
private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/weights")

/// One tensor of `expected.json`: its shape and the float64 bit patterns (16 hex digits) of
/// its values after rounding to the stored dtype.
private struct ExpectedTensor: Decodable {
    let shape: [Int]
    let bits: [String]
}

/// `expected.json`: path relative to the fixtures (a file or a directory) → tensor name → tensor.
private func expectedTensors() throws -> [String: [String: ExpectedTensor]] {
    let data = try Data(contentsOf: fixtures.appendingPathComponent("expected.json"))
    return try JSONDecoder().decode([String: [String: ExpectedTensor]].self, from: data)
}

/// The error `WeightFile.load` throws for `path`, or nil when it loads.
private func loadError(_ path: String) -> WeightFileError? {
    do throws(WeightFileError) {
        _ = try WeightFile.load(path: path)
        return nil
    } catch {
        return error
    }
}

private let oraclePaths = ["tiny.safetensors", "npy", "npy/a.npy", "fortran.npy", "big_endian.npy", "half_v2.npy", "int32_v3.npy"]

@Suite("Weight files")
struct WeightFileTests {
    @Test func everyOracleFileIsTested() throws {
        #expect(Set(try expectedTensors().keys) == Set(oraclePaths))
    }

    /// Every tensor decodes bit-for-bit to the values numpy computed: F32/F64/F16/BF16
    /// (F16 with subnormal, 65504, −0 and +∞), integer and bool dtypes, a scalar, a
    /// zero-size tensor, .npy versions 1–3, Fortran order and big-endian.
    @Test(arguments: oraclePaths)
    func tensorsMatchTheNumpyOracle(relativePath: String) throws {
        let expected = try #require(try expectedTensors()[relativePath])
        let file = try WeightFile.load(path: fixtures.appendingPathComponent(relativePath).path)
        #expect(file.names == expected.keys.sorted())
        for (name, want) in expected {
            let tensor = try file.tensor(name)
            #expect(tensor.shape == want.shape, "\(relativePath): \(name)")
            #expect(tensor.scalars.count == want.shape.reduce(1, *), "\(relativePath): \(name)")
            let wantBits = want.bits.compactMap { UInt64($0, radix: 16) }
            #expect(tensor.scalars.map(\.bitPattern) == wantBits, "\(relativePath): \(name)")
        }
    }

    @Test func safetensorsHeaderDetails() throws {
        let file = try WeightFile.load(path: fixtures.appendingPathComponent("tiny.safetensors").path)
        #expect(file.metadata == ["format": "np", "source": "make_weight_fixtures.py"])
        #expect(file.entries["h.0.ln_1.weight"]?.dtype == .bfloat16)
        #expect(file.entries["h.0.attn.c_attn.bias"]?.dtype == .float16)
        #expect(try file.tensor("step").shape == [])
        #expect(try file.tensor("step").scalars == [-1234567])
        #expect(try file.tensor("empty").scalars.isEmpty)
        #expect(file.allTensors().count == file.entries.count)
    }

    @Test func directoryLoadsEveryNpyByBaseName() throws {
        let file = try WeightFile.load(path: fixtures.appendingPathComponent("npy").path)
        #expect(file.names == ["a", "b", "c"])
        #expect(try file.tensor("a").shape == [3, 4])
        #expect(try file.tensor("b").shape == [5])
        #expect(try file.tensor("c").shape == [])
        #expect(try file.tensor("c").scalars == [42])
        #expect(file.entries["a"]?.dtype == .float32)
    }

    @Test func fortranOrderAndByteOrderAreRecorded() throws {
        let fortran = try WeightFile.load(path: fixtures.appendingPathComponent("fortran.npy").path)
        #expect(fortran.entries["fortran"]?.isColumnMajor == true)
        let big = try WeightFile.load(path: fixtures.appendingPathComponent("big_endian.npy").path)
        #expect(big.entries["big_endian"]?.isBigEndian == true)
    }

    /// Malformed files throw a `WeightFileError` naming the file (never trap), with a
    /// message that says what is wrong.
    @Test(arguments: WeightFileTests.malformedFiles.keys.sorted())
    func malformedFilesThrow(fileName: String) throws {
        let message = try #require(Self.malformedFiles[fileName])
        let path = fixtures.appendingPathComponent("malformed/\(fileName)").path
        let error = try #require(loadError(path))
        #expect(error.path == path)
        #expect(error.description.contains(fileName), "\(error)")
        #expect(error.description.contains(message), "\(error)")
    }

    /// File name in `Fixtures/weights/malformed` → part of the error message it must produce.
    static let malformedFiles = [
        "truncated.safetensors": "header length 10000 bytes exceeds",
        "bad_offsets.safetensors": "tensor 'h.0.attn.c_attn.weight': data_offsets [0, 12] do not match shape [2, 3] × 4 bytes",
        "offsets_outside.safetensors": "data_offsets [12, 36] lie outside the data section of 24 bytes",
        "duplicate.safetensors": "duplicate key 'w'",
        "bad_json.safetensors": "header is not a valid JSON",
        "bad_dtype.safetensors": "unsupported dtype 'F8_E4M3'",
        "huge_shape.safetensors": "overflows",
        "empty.safetensors": "8-byte header length",
        "bad_magic.npy": "magic",
        "truncated.npy": "data holds 43 bytes",
        "structured.npy": "structured dtypes are not supported",
    ]

    @Test func unknownTensorSuggestsNames() throws {
        let path = fixtures.appendingPathComponent("tiny.safetensors").path
        let file = try WeightFile.load(path: path)
        do throws(WeightFileError) {
            _ = try file.tensor("h.0.attn.c_atn.weight")
            Issue.record("expected noSuchTensor")
        } catch {
            #expect(error == .noSuchTensor(path: path, name: "h.0.attn.c_atn.weight",
                                           suggestions: ["h.0.attn.c_attn.bias", "h.0.attn.c_attn.weight"]))
            #expect(error.description.contains("did you mean 'h.0.attn.c_attn.bias', 'h.0.attn.c_attn.weight'?"))
        }
        #expect(throws: WeightFileError.noSuchTensor(path: path, name: "zzz", suggestions: [])) { try file.tensor("zzz") }
    }

    @Test func missingUnsupportedAndEmptyPathsThrow() throws {
        let missing = fixtures.appendingPathComponent("no-such.safetensors").path
        #expect(loadError(missing) == .unreadable(path: missing, reason: "no such file or directory"))

        let json = fixtures.appendingPathComponent("expected.json").path
        let jsonError = try #require(loadError(json))
        #expect(jsonError == .unsupportedFormat(path: json, reason: "expected a .safetensors file, a .npy file or a directory of .npy files"))

        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("weightfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(loadError(empty.path) == .unsupportedFormat(path: empty.path, reason: "directory holds no .npy files"))

        // A directory fails on its first bad .npy (sorted: bad_magic.npy), naming that file.
        let malformed = fixtures.appendingPathComponent("malformed").path
        #expect(loadError(malformed)?.path.hasSuffix("malformed/bad_magic.npy") == true)
    }

    @Test func headerParserReadsJsonAndPythonLiterals() throws {
        let python = try HeaderParser.parse(Array("{'descr': '<f4', 'fortran_order': False, 'shape': (3L, 4), }   \n".utf8))
        #expect(python.field("shape")?.nonNegativeIntegers == [3, 4])
        if case .bool(false)? = python.field("fortran_order") {} else { Issue.record("fortran_order") }
        let json = try HeaderParser.parse(Array(#"{"a\u00e9\ud83d\ude00": {"shape": [], "x": [1.5e3, -2, null, true]}}"#.utf8))
        #expect(json.field("aé😀")?.field("shape")?.nonNegativeIntegers == [])
        for bad in ["", "{", "{\"a\": 1} x", "{\"a\": 1, \"a\": 2}", String(repeating: "[", count: 65) + String(repeating: "]", count: 65),
                    "{\"a\": \"\\ud800\"}", "{\"a\": tru}", "{\"a\" 1}", "\"\u{01}\"", "{'a': 1,,}"] {
            #expect(throws: HeaderParser.Failure.self, "\(bad)") { try HeaderParser.parse(Array(bad.utf8)) }
        }
    }

    @Test func nearestNamesShareTheLongestPrefix() {
        let names = ["h.0.attn.c_attn.weight", "h.0.attn.c_proj.weight", "h.0.mlp.c_fc.weight", "wte.weight"]
        #expect(WeightFile.namesNearest(to: "h.0.attn.c_atn.weight", in: names) == ["h.0.attn.c_attn.weight"])
        #expect(WeightFile.namesNearest(to: "h.0.attn", in: names) == ["h.0.attn.c_attn.weight", "h.0.attn.c_proj.weight"])
        #expect(WeightFile.namesNearest(to: "lm_head", in: names) == [])
    }
}
