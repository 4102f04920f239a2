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
            let queries = (t * d + slots - 1) / slots, responses = (t * dOut + slots - 1) / slots
            return (queries * query, responses * response, rounds, 0)
        case let .analytic(bits, rounds, perOutput, perOperand):
            let perParty = Int((bits * Double(t * dOut) / 8).rounded(.up))
            let offline = perOutput * Double(t * dOut) + perOperand * Double(t * d + d * dOut)
            return (perParty, perParty, rounds, Int(offline.rounded(.up)))
        }
    }
}
