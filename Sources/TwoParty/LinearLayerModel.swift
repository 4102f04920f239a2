import CostModel
import Foundation
import Tensors

/// How a profile multiplies a private activation X [T×d] by the server's weights W [d×d'].
public enum LinearLayerModel: Sendable {
    /// Both operands secret-shared, one matrix Beaver triple: executed (CrypTen, SPU semi2k).
    case beaver
    /// HE-based (Cheetah/BumbleBee): the client sends ⌈T·d/N⌉ query ciphertexts, the server
    /// answers with ⌈T·d'/N⌉ response ciphertexts (interleaved packing), then each output
    /// is truncated by the profile's truncation.
    case homomorphic(slots: Int, queryBytes: Int, responseBytes: Int, rounds: Int)
    /// Charged per output and operand element from a cited formula (SIGMA: opens only the
    /// masked outputs; keys cover the operands and outputs).
    case analytic(bitsPerOutput: Double, rounds: Int, offlineBytesPerOutput: Double, offlineBytesPerOperandElement: Double)

    /// Bytes sent by the client and the server, rounds, and offline bytes for one [T×d]·[d×d'] product.
    public func cost(t: Int, d: Int, dOut: Int) -> (client: Int, server: Int, rounds: Int, offline: Int)? {
        switch self {
        case .beaver:
            return nil
        case let .homomorphic(slots, query, response, rounds):
            // Sizes are bounded by the model's validation (≤ 2^50 elements per tensor); the
            // profile's byte counts are not, so the products saturate.
            let queries = (t * d + slots - 1) / slots, responses = (t * dOut + slots - 1) / slots
            return (queries.saturatingMultiplying(query), responses.saturatingMultiplying(response), rounds, 0)
        case let .analytic(bits, rounds, perOutput, perOperand):
            let outputs = Double(t) * Double(dOut), operands = Double(t) * Double(d) + Double(d) * Double(dOut)
            let perParty = Int(saturatingCost: bits * outputs / 8)
            return (perParty, perParty, rounds, Int(saturatingCost: perOutput * outputs + perOperand * operands))
        }
    }
}

extension Channel {
    /// Charges one [rows×d]·[d×d'] product by `model`'s formula (the client's and the
    /// server's bytes; an HE product's answer follows its query, so the two directions are
    /// sequential). Returns false for `.beaver`, which is executed instead.
    public func chargeLinear(_ model: LinearLayerModel, rows: Int, d: Int, dOut: Int) -> Bool {
        guard let c = model.cost(t: rows, d: d, dOut: dOut) else { return false }
        var sequential = false
        if case .homomorphic = model { sequential = true }
        charge("linear", elements: rows * dOut, bytesSent: [c.client, c.server], rounds: c.rounds, offlineBytes: c.offline,
               simultaneous: !sequential, multiplyAccumulates: rows.saturatingMultiplying(d).saturatingMultiplying(dOut))
        return true
    }
}
