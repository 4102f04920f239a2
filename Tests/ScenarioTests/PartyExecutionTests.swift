import Foundation
import Testing
import Approximation
import Arithmetic
import CostModel
import Tensors
import Transformer
@testable import TwoParty
@testable import Scenario

/// One party per engine: the same protocol code run with both parties in one thread, on
/// two threads over the in-process transport, and as two parties over TCP on localhost
/// gives the same values and the same ledger, and the sockets carry exactly the ledger's
/// bytes in exactly its rounds.
@Suite("Two-party execution: one thread, two threads, TCP")
struct PartyExecutionTests {
    /// Every catalog function crypten runs, and the primitives.
    static let operations: [(op: String, shape: [Int])] =
        ApproximationCatalog.methods.map { ($0.function, $0.function == "layernorm" ? [3, 16] : [3, 8]) }
        + ["mul", "square", "ltz", "add", "scale", "mul8"].map { ($0, [24]) }
        + [("matmul", [4, 8, 6]), ("matmul", [2, 4, 8, 6])]

    /// What must be equal between two runs of one operation.
    static func fingerprint(_ r: OperationReport) -> String {
        let scopes = r.breakdown.map { "\($0.scope)=\($0.totals)" } + r.byKind.map { "kind \($0.scope)=\($0.totals)" }
        return "\(r.totals) max \(r.maxAbsoluteError.bitPattern) mean \(r.meanAbsoluteError.bitPattern) \(scopes.joined(separator: ";"))"
    }

    /// Runs `body` as party 0 here and party 1 on a thread, joined by loopback TCP.
    static func overTCP<R: Sendable>(_ body: @escaping @Sendable (PartyHosting) throws -> R) throws -> (R, R, [TransportCounters]) {
        let address = "127.0.0.1:\(try TCPTransport.freePort())"
        nonisolated(unsafe) var second: Result<(R, TransportCounters), any Error>?
        let thread = Thread {
            second = Result {
                let t = try TCPTransport.connect(to: address, timeout: 30)
                let r = try body(.party(1, t))
                return (r, t.counters)
            }
        }
        thread.stackSize = 64 << 20
        thread.start()
        let t0 = try TCPTransport.accept(on: address, timeout: 30)
        let r0 = try body(.party(0, t0))
        let c0 = t0.counters
        while !thread.isFinished { usleep(1000) }
        let (r1, c1) = try #require(second).get()
        return (r0, r1, [c0, c1])
    }

    @Test(arguments: operations.map { "\($0.op) \($0.shape.map(String.init).joined(separator: "x"))" })
    func sameValuesAndLedgerEveryWay(_ name: String) throws {
        let parts = name.split(separator: " ")
        let op = String(parts[0]), shape = parts[1].split(separator: "x").map { Int($0)! }
        let profile = try ProtocolProfile.load("crypten")
        @Sendable func run(_ hosting: PartyHosting) throws -> OperationReport {
            try OperationRunner.run(op: op, shape: shape, profile: profile, network: .lan, seed: 7, hosting: hosting)
        }
        let one = try run(.oneThread)
        let threads = try run(.threads)
        #expect(Self.fingerprint(threads) == Self.fingerprint(one))
        let (r0, r1, counters) = try Self.overTCP { try run($0) }
        #expect(Self.fingerprint(r0) == Self.fingerprint(one))
        #expect(Self.fingerprint(r1) == Self.fingerprint(one), "party 1's own ledger records the same bytes and rounds")
        // The sockets: protocol payload per party = the ledger's bytes sent; a flight per round.
        #expect(counters.map(\.protocolBytesSent) == one.totals.bytesSent)
        #expect(counters.map(\.flights) == [one.totals.rounds, one.totals.rounds])
        #expect(counters[0].protocolBytesReceived == counters[1].protocolBytesSent)
    }

    /// Both parties' ledgers agree event by event, and each holds only its own shares.
    @Test func partiesHoldOnlyTheirOwnShares() throws {
        let settings = try ProtocolProfile.load("crypten").settings
        let x = try Tensor(shape: [2, 5], scalars: (0..<10).map { Double($0) / 3 - 1.5 })
        let run = try PartyThreads.run(settings: settings) { engine -> ([UInt64], [UInt64], [Double]) in
            let s = engine.share(x)
            let y = engine.multiply(s, engine.lessThanZero(s))
            return (y.share0, y.share1, engine.reconstruct(y).scalars)
        }
        let (p0, p1) = run.results
        #expect(!p0.0.isEmpty && p0.1.isEmpty, "party 0 holds share 0 only")
        #expect(p1.0.isEmpty && !p1.1.isEmpty, "party 1 holds share 1 only")
        #expect(p0.2 == p1.2)
        let together = try TwoPartyEngine(settings: settings)
        let s = together.share(x)
        let y = together.multiply(s, together.lessThanZero(s))
        #expect(y.share0 == p0.0 && y.share1 == p1.1, "the same shares as both parties in one thread")
        #expect(run.engines.0.ledger.events.map(\.bytesSent) == run.engines.1.ledger.events.map(\.bytesSent))
        #expect(run.engines.0.ledger.totals() == together.ledger.totals())
    }

    /// A model run (two GPT-2-shaped blocks, tiny) gives the same report on one thread and two.
    @Test func modelRunIsTheSameOnOneThreadAndTwo() throws {
        let shape = ModelShape(name: "tiny", layers: 2, heads: 2, width: 16, ffnWidth: 64, vocabulary: 32)
        var request = RunRequest(model: shape, architecture: .baseline, profile: try ProtocolProfile.load("crypten"), network: .lan,
                                 tokens: 6, includeEmbeddings: false)
        request.hosting = .oneThread
        let one = try ModelRunner.execute(request)
        request.hosting = .threads
        let two = try ModelRunner.execute(request)
        #expect(one.totals == two.totals)
        #expect(one.maxAbsoluteError.bitPattern == two.maxAbsoluteError.bitPattern)
        #expect(one.byNonlinearity == two.byNonlinearity)
        #expect(one.accuracy?.byNonlinearity.map(\.maxAbsolute) == two.accuracy?.byNonlinearity.map(\.maxAbsolute))
    }
}

/// A TCP peer that misbehaves gets a clear `TransportError`, never a hang or a trap.
@Suite("TCP transport against bad peers")
struct BadPeerTests {
    /// Party 0 listening, a raw peer connected: `misbehave` acts as the peer, then party 0 exchanges one frame.
    static func exchange(timeout: Double = 10, _ misbehave: @escaping @Sendable (TCPTransport) -> Void) throws -> String {
        let address = "127.0.0.1:\(try TCPTransport.freePort())"
        nonisolated(unsafe) var peer: TCPTransport?
        let thread = Thread {
            if let t = try? TCPTransport.connect(to: address, timeout: 10) {
                peer = t
                misbehave(t)
            }
        }
        thread.start()
        let t0 = try TCPTransport.accept(on: address, timeout: 10)
        defer { while !thread.isFinished { usleep(1000) }; _ = peer }
        do {
            _ = try TCPTransport(fd: dup(t0.fd), timeout: timeout, peerName: "the test peer").exchange([1, 2, 3], bytesPerWord: 8, kind: .protocolStep)
            return "no error"
        } catch { return error.description }
    }

    static func header(kind: UInt8, length: UInt64) -> [UInt8] {
        [kind] + (0..<8).map { UInt8(truncatingIfNeeded: length >> UInt64(8 * $0)) }
    }

    @Test func peerThatCloses() throws {
        let e = try Self.exchange { $0.close() }
        #expect(e.contains("closed the connection"), "\(e)")
    }

    @Test func malformedKind() throws {
        let e = try Self.exchange { $0.sendRaw(Self.header(kind: 0x7F, length: 24)) }
        #expect(e.contains("malformed frame") && e.contains("kind byte 127"), "\(e)")
    }

    @Test func oversizedFrame() throws {
        let e = try Self.exchange { $0.sendRaw(Self.header(kind: 1, length: 1 << 40)) }
        #expect(e.contains("over the") && e.contains("limit"), "\(e)")
    }

    @Test func frameOfTheWrongLength() throws {
        let e = try Self.exchange { $0.sendRaw(Self.header(kind: 1, length: 16) + [UInt8](repeating: 0, count: 16)) }
        #expect(e.contains("different computations"), "\(e)")
    }

    @Test func wrongFrameKind() throws {
        let e = try Self.exchange { $0.sendRaw(Self.header(kind: 2, length: 24) + [UInt8](repeating: 0, count: 24)) }
        #expect(e.contains("out of step"), "\(e)")
    }

    @Test func silentPeerTimesOut() throws {
        let started = Date()
        let e = try Self.exchange(timeout: 1) { _ in usleep(2_500_000) }
        #expect(e.contains("sent nothing for 1 s"), "\(e)")
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func handshakeRefusesADifferentComputationAndTheSameRole() throws {
        for (role1, digest1, expected) in [(1, [UInt8](repeating: 9, count: 32), "different computation"),
                                           (0, [UInt8](repeating: 0, count: 32), "both parties claim role 0")] {
            let address = "127.0.0.1:\(try TCPTransport.freePort())"
            nonisolated(unsafe) var peerError = ""
            let thread = Thread {
                do {
                    let t = try TCPTransport.connect(to: address, timeout: 10)
                    try PartyHandshake.greet(t, role: role1, digest: digest1)
                } catch { peerError = "\(error)" }
            }
            thread.start()
            let t0 = try TCPTransport.accept(on: address, timeout: 10)
            var mine = ""
            do { try PartyHandshake.greet(t0, role: 0, digest: [UInt8](repeating: 0, count: 32)) } catch { mine = "\(error)" }
            while !thread.isFinished { usleep(1000) }
            #expect(mine.contains(expected), "\(mine)")
            #expect(peerError.contains(expected), "both sides refuse: \(peerError)")
        }
    }
}

/// The dealer refuses requests no honest party sends (sizes that overflow or exceed its limit).
@Suite("Dealer requests")
struct DealerRequestTests {
    @Test func oversizedOrMalformedRequestsAreRefused() throws {
        let dealer = Dealer(ring: try PowerOfTwoRing(bits: 64), seed: 1, ledger: CostLedger())
        let huge = UInt64(1 << 28)
        for request: [UInt64] in [[1, 3, huge, huge, huge, 1, 1], [3, huge, huge, huge, huge, 0], [6, 10, 64], [99], [2]] {
            #expect(throws: TransportError.self) { _ = try DealerService.answer(request, dealer: dealer) }
        }
        let ok = try DealerService.answer([2, 5], dealer: dealer)
        #expect(ok.count == 2 && ok[0].0.count == 5 && ok[0].1.count == 5)
    }
}
