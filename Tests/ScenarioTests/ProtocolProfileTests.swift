import Foundation
import Testing
import Approximation
import Arithmetic
@testable import Scenario
@testable import TwoParty

@Suite("Protocol profiles: loading and rejection with file, line and key")
struct ProtocolProfileTests {
    @Test func bundledCrypTenProfileLoads() throws {
        let p = try ProtocolProfile.load("crypten")
        #expect(p.name == "crypten")
        #expect(p.settings.ringBits == 64 && p.settings.fractionalBits == 16)
        #expect(p.maxMethod == .cryptenLogReduction && p.settings.truncation == .local)
        #expect(p.nonlinearities["exp"]?.iterations == 8)
        #expect(p.citations["parameters.fractional_bits"]?.contains("precision_bits") == true)
    }

    static let valid = """
    name: test
    kind: two-party
    source: "test"
    parameters:
      ring_bits: {value: 64, source: "s"}
      fractional_bits: {value: 16, source: "s"}
    primitives:
      truncation: {algorithm: local, source: "s"}
      max: {algorithm: tree, source: "s"}
    nonlinearities:
      exp: {method: limit, iterations: 8, source: "s"}
    """

    func rejection(_ text: String) -> FileError? {
        do { _ = try ProtocolProfile.parse(text, file: "bad.yaml"); return nil } catch { return error }
    }

    @Test func validDocumentParses() throws {
        #expect(try ProtocolProfile.parse(Self.valid, file: "t.yaml").nonlinearities["exp"]?.iterations == 8)
    }

    @Test func missingCitationIsRejected() throws {
        let e = try #require(rejection(Self.valid.replacingOccurrences(of: "ring_bits: {value: 64, source: \"s\"}", with: "ring_bits: {value: 64}")))
        #expect(e.file == "bad.yaml" && e.line == 5 && e.key == "parameters.ring_bits")
        #expect(e.message.contains("source"))
    }

    @Test func negativeCostIsRejected() throws {
        let text = Self.valid.replacingOccurrences(of: "fractional_bits: {value: 16, source: \"s\"}",
                                                   with: "fractional_bits: {value: 16, source: \"s\"}\n  wire_bytes_per_element: {value: -8, source: \"s\"}")
        let e = try #require(rejection(text))
        #expect(e.line == 7 && e.key == "parameters.wire_bytes_per_element.value" && e.message.contains("≥ 0"))
    }

    @Test func unknownKeyIsRejectedWithSuggestion() throws {
        let e = try #require(rejection(Self.valid.replacingOccurrences(of: "exp: {method: limit, iterations: 8", with: "exp: {method: limit, iteratons: 8")))
        #expect(e.line == 11 && e.key == "nonlinearities.exp.iteratons")
        #expect(e.message.contains("did you mean 'iterations'"))
        let f = try #require(rejection(Self.valid.replacingOccurrences(of: "primitives:", with: "primitivs:")))
        #expect(f.message.contains("did you mean 'primitives'"))
    }

    @Test func unknownAlgorithmIsRejected() throws {
        let e = try #require(rejection(Self.valid.replacingOccurrences(of: "algorithm: tree", with: "algorithm: bubble")))
        #expect(e.line == 9 && e.key == "primitives.max.algorithm" && e.message.contains("unknown value 'bubble'"))
        let m = try #require(rejection(Self.valid.replacingOccurrences(of: "method: limit", with: "method: limt")))
        #expect(m.key == "nonlinearities.exp.method" && m.message.contains("did you mean 'limit'"))
    }

    @Test func impossibleSettingsAreRejected() throws {
        let e = try #require(rejection(Self.valid.replacingOccurrences(of: "fractional_bits: {value: 16", with: "fractional_bits: {value: 40")))
        #expect(e.key == "parameters" && e.message.contains("fractional bits"))
        let r = try #require(rejection(Self.valid.replacingOccurrences(of: "exp: {method: limit, iterations: 8, source: \"s\"}",
                                                                        with: "reciprocal: {method: newton, range: [1, 1000], source: \"s\"}")))
        #expect(r.key == "nonlinearities.reciprocal" && r.message.contains("does not converge"))
        let y = try #require(rejection("name: [unclosed"))
        #expect(y.message.contains("not valid YAML"))
        #expect(throws: FileError.self) { try ProtocolProfile.load("cryptn") }
    }
}

@Suite("Analytic primitives")
struct AnalyticPrimitiveTests {
    static let profile = """
    name: analytic
    kind: two-party
    source: "test"
    parameters:
      ring_bits: {value: 64, source: "s"}
      fractional_bits: {value: 18, source: "s"}
    primitives:
      truncation: {algorithm: analytic, bits_per_element: 18, rounds: 1, source: "s"}
      max: {algorithm: tree, source: "s"}
      comparison: {algorithm: analytic, bits_per_element: 512, rounds: 8, offline_bytes_per_element: 10, source: "s"}
    nonlinearities:
      relu: {method: comparison, source: "s"}
    """

    /// ReLU = x · (1 − [x < 0]): an analytic comparison (512 bits, 8 rounds, 10 offline
    /// bytes per element), one executed Beaver product (2·64 bits), and no truncation
    /// (the bit has no fractional bits).
    @Test func costsComeFromTheFormulaAndValuesStayExact() throws {
        let p = try ProtocolProfile.parse(Self.profile, file: "analytic.yaml")
        let r = try OperationRunner.run(op: "relu", shape: [100], profile: p, network: .lan)
        #expect(r.totals.bytesSent == [100 * 512 / 8 + 100 * 16, 100 * 512 / 8 + 100 * 16])
        #expect(r.totals.rounds == 9)
        #expect(r.totals.offlineBytes == 1000)
        #expect(r.maxAbsoluteError < 1e-5)
        // Limit exp on 10 elements: x·2^−8 and 8 squares, each followed by an analytic
        // truncation (⌈18·10/8⌉ = 23 bytes, 1 round); the squares are executed (8 B per element).
        let s = try OperationRunner.run(op: "exp", shape: [10], profile: p, network: .lan, inputRange: Interval(-4, 1))
        #expect(s.totals.bytesSent == [9 * 23 + 8 * 80, 9 * 23 + 8 * 80])
        #expect(s.totals.rounds == 17)
        #expect(s.maxAbsoluteError < 0.1)
    }

    @Test func analyticNeedsItsNumbers() {
        let missing = Self.profile.replacingOccurrences(of: "bits_per_element: 512, ", with: "")
        #expect(throws: FileError.self) { try ProtocolProfile.parse(missing, file: "m.yaml") }
        let misplaced = Self.profile.replacingOccurrences(of: "max: {algorithm: tree,", with: "max: {algorithm: tree, rounds: 3,")
        #expect(throws: FileError.self) { try ProtocolProfile.parse(misplaced, file: "m.yaml") }
        let negative = Self.profile.replacingOccurrences(of: "bits_per_element: 512", with: "bits_per_element: -512")
        do { _ = try ProtocolProfile.parse(negative, file: "n.yaml"); Issue.record("accepted a negative cost") } catch {
            #expect(error.key == "primitives.comparison.bits_per_element" && error.line == 10)
        }
    }
}

@Suite("Profiles over a prime field")
struct FieldProfileTests {
    static let text = """
    name: field-demo
    kind: two-party
    source: "test"
    parameters:
      field_modulus: {value: "170141183460469231731687303715884105727", source: "2^127 - 1"}
      fractional_bits: {value: 20, source: "s"}
    primitives:
      truncation: {algorithm: local, source: "s"}
      max: {algorithm: tree, source: "s"}
      comparison: {algorithm: analytic, bits_per_element: 500, rounds: 7, source: "s"}
      equality: {algorithm: analytic, bits_per_element: 300, rounds: 7, source: "s"}
    """

    @Test func opsRunOnGMPShares() throws {
        let p = try ProtocolProfile.parse(Self.text, file: "field.yaml")
        #expect(p.fieldModulus == BigInteger.powerOfTwo(127) - 1)
        let mul = try OperationRunner.run(op: "exp", shape: [32], profile: p, network: .lan, inputRange: Interval(-4, 1))
        // 8 squares, each opening one 16-byte element per operand side (x − a twice).
        #expect(mul.totals.bytes == 8 * 2 * 2 * 32 * 16)
        #expect(mul.maxAbsoluteError < 0.06)
        let relu = try OperationRunner.run(op: "relu", shape: [10], profile: p, network: .lan)
        #expect(relu.totals.rounds == 8)
        #expect(relu.maxAbsoluteError < 1e-5)
    }

    @Test func fieldNeedsAnalyticComparisons() {
        let missing = Self.text.replacingOccurrences(of: "  equality: {algorithm: analytic, bits_per_element: 300, rounds: 7, source: \"s\"}", with: "")
        #expect(throws: FileError.self) { try ProtocolProfile.parse(missing, file: "f.yaml") }
        let even = Self.text.replacingOccurrences(of: "170141183460469231731687303715884105727", with: "1024")
        #expect(throws: FileError.self) { try ProtocolProfile.parse(even, file: "f.yaml") }
    }
}

@Suite("Calibration output")
struct CalibrationOutputTests {
    /// `examples/calibrate_openfhe.py` run here (openfhe 1.6.1, python3.10) wrote this file;
    /// it must load as a profile and drive a CKKS run.
    @Test func calibratedProfileLoadsAndRuns() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/calibrated_profile.yaml").path
        let p = try ProtocolProfile.load(path)
        let ckks = try #require(p.ckks)
        #expect(ckks.parameters.ringDimension == 8192)
        let latency = try #require(ckks.latency)
        #expect(latency.seconds[.ciphertextMultiply]! > latency.seconds[.add]!)
        let r = try OperationRunner.run(op: "exp", shape: [64], profile: p, network: .lan, inputRange: Interval(-1, 0))
        #expect(r.latency.compute > 0)
    }
}
