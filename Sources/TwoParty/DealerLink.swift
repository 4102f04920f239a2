import Arithmetic
import CostModel
import Foundation
import Tensors

/// Correlated randomness from a third process, the trusted third party (`pisim dealer`):
/// for each triple, pair or bit batch both parties send the same request, and the dealer
/// answers each with its own shares over TCP — CrypTen's `TrustedThirdParty` provider, SPU's
/// `beaver_tfp`. The dealer runs the seeded layout (`Dealer`) for both parties, so a run with
/// a dealer computes bit for bit what a seeded run computes; what it sent is offline
/// communication in the report.
///
/// Frames from a party: `hello` (start of a computation: seed, ring, hash of the
/// computation), `dealer` (a request), `closing` (end). The dealer answers a hello with an
/// acknowledgement and a request with the shares.
public final class DealerLink: @unchecked Sendable {
    /// Request codes.
    enum Request: UInt64 {
        case beaverTriple = 1, squarePair, matrixTriple, andTriple, randomBits, truncationPair
    }

    let transport: TCPTransport
    public let role: Int
    var onFailure: @Sendable (TransportError) -> Never = Channel.exitOnFailure

    public init(transport: TCPTransport, role: Int) {
        self.transport = transport
        self.role = role
    }

    /// Bytes of shares received from the dealer so far (payloads of its answers).
    public private(set) var bytesReceived = 0

    /// Starts a computation: the dealer makes a fresh seeded dealer for it.
    ///
    /// - Throws: `TransportError` when the dealer refuses (the parties' computations differ).
    public func start(seed: UInt64, ringBits: Int, digest: [UInt64]) throws(TransportError) {
        let hello = [PartyHandshake.magic, PartyHandshake.version, UInt64(role), seed, UInt64(ringBits)] + digest
        let answer = try transport.transfer(hello, bytesPerWord: 8, kind: .hello, receiving: 1).words
        guard answer.first == 1 else {
            throw TransportError("the dealer refused the computation: the two parties' seeds, rings or computations differ")
        }
    }

    /// Sends a request and returns this party's share arrays, of `counts` words each.
    func fetch(_ request: [UInt64], counts: [Int]) -> [[UInt64]] {
        let total = counts.reduce(0, +)
        let words: [UInt64]
        do { words = try transport.transfer(request, bytesPerWord: 8, kind: .dealer, receiving: total).words } catch { onFailure(error) }
        bytesReceived += words.count * 8
        var out = [[UInt64]]()
        var offset = 0
        for c in counts {
            out.append(Array(words[offset ..< offset + c]))
            offset += c
        }
        return out
    }

    /// Shares of the arrays, laid out as `SharePair`s for this party's view.
    func pairs(_ request: [UInt64], counts: [Int]) -> [SharePair] {
        fetch(request, counts: counts).map { role == 0 ? ($0, []) : ([], $0) }
    }

    /// Tells the dealer this party is done.
    public func finish() {
        _ = try? transport.transfer([0], bytesPerWord: 8, kind: .closing, receiving: nil)
    }
}

/// The dealer process: serves two parties' requests until both close.
public enum DealerService {
    /// The largest request it serves (elements of one array): 2^28.
    static let maximumElements = 1 << 28

    /// Listens on `address`, accepts party 0 and party 1, and serves them.
    ///
    /// - Parameters:
    ///   - log: a line per computation served.
    /// - Throws: `TransportError` for a party that misbehaves or a request that differs between them.
    public static func serve(on address: String, timeout: Double, log: (String) -> Void = { _ in }) throws(TransportError) {
        let links = try TCPTransport.acceptAll(on: address, count: 2, timeout: timeout)
        var byRole = [TCPTransport?](repeating: nil, count: 2)
        var hellos = [[UInt64]](repeating: [], count: 2)
        for link in links {
            let hello = try link.transfer(nil, bytesPerWord: 8, kind: .hello, receiving: -1).words
            guard hello.count >= 5, hello[0] == PartyHandshake.magic, hello[1] == PartyHandshake.version, hello[2] <= 1 else {
                throw TransportError("a peer that is not a PISim party connected to the dealer")
            }
            let role = Int(hello[2])
            guard byRole[role] == nil else { throw TransportError("both parties connected to the dealer as party \(role)") }
            byRole[role] = link
            hellos[role] = hello
        }
        guard let p0 = byRole[0], let p1 = byRole[1] else { throw TransportError("the dealer needs party 0 and party 1") }
        var served = 0
        while true {
            let agreed = Array(hellos[0].dropFirst(3)) == Array(hellos[1].dropFirst(3))
            for link in [p0, p1] { _ = try link.transfer([agreed ? 1 : 2], bytesPerWord: 8, kind: .hello, receiving: nil) }
            guard agreed else { throw TransportError("the parties' seeds, rings or computations differ; refused") }
            let seed = hellos[0][3]
            guard let ring = try? PowerOfTwoRing(bits: Int(clamping: hellos[0][4])) else { throw TransportError("the parties asked for an unknown ring") }
            let dealer = Dealer(ring: ring, seed: seed, ledger: CostLedger())
            var requests = 0
            // Requests until both parties close or start the next computation.
            while true {
                let k0 = try p0.receiveAny(), k1 = try p1.receiveAny()
                guard k0.kind == k1.kind else { throw TransportError("the parties are out of step (\(k0.kind) and \(k1.kind))") }
                if k0.kind == .closing {
                    log("served computation \(served + 1): \(requests) requests")
                    return
                }
                if k0.kind == .hello {
                    hellos = [k0.words, k1.words]
                    log("served computation \(served + 1): \(requests) requests")
                    served += 1
                    break
                }
                guard k0.words == k1.words else { throw TransportError("the parties sent different requests: they run different computations") }
                let shares = try answer(k0.words, dealer: dealer)
                try p0.sendFrame(shares.flatMap(\.0), kind: .dealer)
                try p1.sendFrame(shares.flatMap(\.1), kind: .dealer)
                requests += 1
            }
        }
    }

    /// The shares a request asks for.
    static func answer(_ r: [UInt64], dealer: Dealer) throws(TransportError) -> [SharePair] {
        func count(_ i: Int) throws(TransportError) -> Int {
            guard i < r.count, r[i] <= UInt64(maximumElements) else { throw TransportError("malformed dealer request \(r.prefix(8))") }
            return Int(r[i])
        }
        guard let code = r.first.flatMap(DealerLink.Request.init(rawValue:)) else { throw TransportError("unknown dealer request \(r.first ?? 0)") }
        switch code {
        case .beaverTriple:
            let rankA = try count(1)
            let shapeA = try (0..<rankA).map { i throws(TransportError) in try count(2 + i) }
            let rankB = try count(2 + rankA)
            let shapeB = try (0..<rankB).map { i throws(TransportError) in try count(3 + rankA + i) }
            guard let countA = Tensor<Double>.checkedElementCount(shapeA), let countB = Tensor<Double>.checkedElementCount(shapeB),
                  countA <= maximumElements, countB <= maximumElements,
                  let plan = try? BroadcastPlan(shapeA, shapeB), plan.count <= maximumElements else { throw TransportError("malformed dealer request \(r.prefix(16))") }
            let t = dealer.beaverTriple(countA: countA, countB: countB, plan: plan)
            return [t.a, t.b, t.c]
        case .squarePair:
            let p = dealer.squarePair(try count(1))
            return [p.a, p.a2]
        case .matrixTriple:
            let batch = try count(1), m = try count(2), k = try count(3), n = try count(4)
            guard let size = Tensor<Double>.checkedElementCount([batch, max(m, k), max(k, n)]), size <= maximumElements
            else { throw TransportError("dealer request for a matrix triple of more than \(maximumElements) elements") }
            let t = dealer.matrixTriple(batch: batch, m: m, k: k, n: n, sharedRight: r.count > 5 && r[5] == 1)
            return [t.a, t.b, t.c]
        case .andTriple:
            let t = dealer.andTriple(try count(1))
            return [t.a, t.b, t.c]
        case .randomBits:
            let b = dealer.randomBits(try count(1))
            return [b.binary, b.arithmetic]
        case .truncationPair:
            let n = try count(1), m = try count(2)
            guard m > 0, m < dealer.ring.bitWidth - 1 else { throw TransportError("malformed truncation request (\(m) bits)") }
            let t = dealer.truncationPair(n, bits: m)
            return [t.r, t.msb, t.shifted]
        }
    }
}

extension TCPTransport {
    /// Reads one frame of any kind and length.
    func receiveAny() throws(TransportError) -> (kind: FrameKind, words: [UInt64]) {
        let f = try transfer(nil, bytesPerWord: 8, kind: .dealer, receiving: -1, anyKind: true)
        return (lastKind, f.words)
    }

    /// Writes one frame.
    func sendFrame(_ words: [UInt64], kind: FrameKind) throws(TransportError) {
        _ = try transfer(words, bytesPerWord: 8, kind: kind, receiving: nil)
    }
}
