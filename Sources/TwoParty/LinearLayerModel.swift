import CostModel
import Foundation
import Tensors

/// How a profile multiplies a private activation X [T×d] by the server's weights W [d×d'].
public enum LinearLayerModel: Sendable {
    /// Both operands secret-shared, one matrix Beaver triple: executed (CrypTen, SPU semi2k).
    case beaver
    /// HE-based (Cheetah/BumbleBee): the client sends ⌈T·d/N⌉ query ciphertexts, the server
    /// answers with ⌈T·d'/N⌉ response ciphertexts (interleaved packing), then each output
    /// is truncated by the profile's truncation. `privateProducts`: private × private
    /// matmuls (attention) run the same HE product, each party once (`privateCost`).
    case homomorphic(slots: Int, queryBytes: Int, responseBytes: Int, rounds: Int, privateProducts: Bool = false)
    /// Charged per output and operand element from a cited formula (SIGMA: opens only the
    /// masked outputs; keys cover the operands and outputs). `privateProducts`: private ×
    /// private matmuls are the same protocol (`privateCost`).
    case analytic(bitsPerOutput: Double, rounds: Int, offlineBytesPerOutput: Double, offlineBytesPerOperandElement: Double,
                  privateProducts: Bool = false)

    /// Bytes sent by the client and the server, rounds, and offline bytes for one [T×d]·[d×d'] product.
    public func cost(t: Int, d: Int, dOut: Int) -> (client: Int, server: Int, rounds: Int, offline: Int)? {
        switch self {
        case .beaver:
            return nil
        case let .homomorphic(slots, query, response, rounds, _):
            // Sizes are bounded by the model's validation (≤ 2^50 elements per tensor); the
            // profile's byte counts are not, so the products saturate.
            let queries = (t * d + slots - 1) / slots, responses = (t * dOut + slots - 1) / slots
            return (queries.saturatingMultiplying(query), responses.saturatingMultiplying(response), rounds, 0)
        case let .analytic(bits, rounds, perOutput, perOperand, _):
            let outputs = Double(t) * Double(dOut), operands = Double(t) * Double(d) + Double(d) * Double(dOut)
            let perParty = Int(saturatingCost: bits * outputs / 8)
            return (perParty, perParty, rounds, Int(saturatingCost: perOutput * outputs + perOperand * operands))
        }
    }
}

extension LinearLayerModel {
    /// An HE product (query and answer), as Cheetah/BumbleBee run it.
    public var isHomomorphic: Bool {
        if case .homomorphic = self { return true }
        return false
    }

    /// Bytes each party sends, rounds and offline bytes for `batch` private × private
    /// products [m×k]·[k×n] when the model prices them (`privateProducts`); nil otherwise
    /// (they are executed as Beaver matrix triples).
    /// - homomorphic (SPU Cheetah's `mmul_aa`, two HE DotOLEs at once, one per party): each
    ///   party encrypts its share of the operand with fewer ciphertexts, min(⌈m·k/N⌉,
    ///   ⌈k·n/N⌉) queries, and answers the other's with ⌈m·n/N⌉ responses;
    /// - analytic (SIGMA): as an X·W product, per output and operand element.
    public func privateCost(batch: Int, m: Int, k: Int, n: Int) -> (perParty: Int, rounds: Int, offline: Int)? {
        switch self {
        case let .homomorphic(slots, query, response, rounds, true):
            func ciphertexts(_ elements: Int) -> Int { (elements + slots - 1) / slots }
            let perProduct = min(ciphertexts(m * k), ciphertexts(k * n)).saturatingMultiplying(query)
                .saturatingAdding(ciphertexts(m * n).saturatingMultiplying(response))
            return (perProduct.saturatingMultiplying(batch), rounds, 0)
        case let .analytic(bits, rounds, perOutput, perOperand, true):
            let outputs = Double(batch) * Double(m) * Double(n), operands = Double(batch) * (Double(m) * Double(k) + Double(k) * Double(n))
            return (Int(saturatingCost: bits * outputs / 8), rounds, Int(saturatingCost: perOutput * outputs + perOperand * operands))
        default:
            return nil
        }
    }
}

extension Channel {
    /// Charges `batch` private × private [m×k]·[k×n] products by `model`'s HE formula;
    /// false when the model executes them (Beaver matrix triples).
    public func chargePrivateMatmul(_ model: LinearLayerModel, batch: Int, m: Int, k: Int, n: Int) -> Bool {
        guard let c = model.privateCost(batch: batch, m: m, k: k, n: n) else { return false }
        charge("matmul", elements: batch * m * n, bytesSent: [c.perParty, c.perParty], rounds: c.rounds, offlineBytes: c.offline,
               multiplyAccumulates: (batch * m * n).saturatingMultiplying(k))
        return true
    }

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
