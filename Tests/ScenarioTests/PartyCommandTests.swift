import Foundation
import Testing
@testable import Scenario
import TwoParty

/// `pisim op|run --transport tcp`, `pisim party`, `pisim dealer` as processes: the same
/// report as the in-process run plus what the sockets measured; peers that differ, die
/// or cannot be carried fail cleanly on both sides.
@Suite("Two parties as processes over TCP")
struct PartyCommandTests {
    static func pisim(_ arguments: [String]) throws -> (Int32, String, String) { try ShardMergeTests.pisim(arguments) }

    /// The JSON object without `measured` and (for dealer runs) the offline bytes.
    static func withoutMeasured(_ json: String, dropOffline: Bool = false) throws -> NSDictionary {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        object["measured"] = nil
        if dropOffline {
            object["offline_bytes"] = nil
            object["breakdown"] = (object["breakdown"] as? [[String: Any]])?.map { var b = $0; b["offline_bytes"] = nil; return b }
        }
        return object as NSDictionary
    }

    @Test func tcpOpEqualsTheInProcessRunAndMeasuresTheLedger() throws {
        let args = ["op", "softmax", "--shape", "3x16", "--format", "json"]
        let (s0, threads, _) = try Self.pisim(args)
        let (s1, tcp, err) = try Self.pisim(args + ["--transport", "tcp"])
        #expect(s0 == 0 && s1 == 0, "\(err)")
        #expect(try Self.withoutMeasured(tcp) == Self.withoutMeasured(threads))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(tcp.utf8)) as? [String: Any])
        let measured = try #require(object["measured"] as? [String: Any])
        #expect(measured["bytes_equal_ledger"] as? Bool == true)
        #expect(measured["flights_equal_rounds"] as? Bool == true)
        #expect(measured["bytes_sent"] as? [Int] == object["bytes_sent"] as? [Int])
        #expect(measured["correlations"] as? String == "seeded")
    }

    @Test func dealerProcessGivesTheSeededResultAndCountsItsBytesOffline() throws {
        let args = ["op", "gelu", "--shape", "24", "--format", "json", "--transport", "tcp"]
        let (s0, seeded, e0) = try Self.pisim(args)
        let (s1, dealt, e1) = try Self.pisim(args + ["--correlations", "dealer"])
        #expect(s0 == 0 && s1 == 0, "\(e0)\(e1)")
        #expect(try Self.withoutMeasured(dealt, dropOffline: true) == Self.withoutMeasured(seeded, dropOffline: true))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(dealt.utf8)) as? [String: Any])
        let measured = try #require(object["measured"] as? [String: Any])
        let received = try #require(measured["dealer_bytes_received"] as? [Int])
        #expect(received.count == 2 && received[0] == received[1] && received[0] > 0)
        #expect(object["offline_bytes"] as? Int == 2 * received[0], "offline = what the dealer sent both parties")
    }

    @Test func tcpModelRunEqualsTheInProcessRun() throws {
        let args = ["run", "--model", "gpt2-small", "--layers", "1", "--seq", "4", "--no-embeddings", "--fidelity", "execute", "--format", "json"]
        let (s0, threads, e0) = try Self.pisim(args)
        let (s1, tcp, e1) = try Self.pisim(args + ["--transport", "tcp"])
        #expect(s0 == 0 && s1 == 0, "\(e0)\(e1)")
        let a = try #require(try JSONSerialization.jsonObject(with: Data(threads.utf8)) as? [String: Any])
        let b = try #require(try JSONSerialization.jsonObject(with: Data(tcp.utf8)) as? [String: Any])
        #expect((a["totals"] as? NSDictionary) == (b["totals"] as? NSDictionary))
        #expect((a["error"] as? [String: Any])?["max_abs"] as? Double == (b["error"] as? [String: Any])?["max_abs"] as? Double)
        let measured = try #require(b["measured"] as? [String: Any])
        #expect(measured["bytes_equal_ledger"] as? Bool == true && measured["flights_equal_rounds"] as? Bool == true)
    }

    @Test func profilesNoTransportCanCarryAreRefused() throws {
        let (status, _, err) = try Self.pisim(["op", "relu", "--shape", "8", "--protocol", "bumblebee", "--transport", "tcp"])
        #expect(status == 2)
        #expect(err.contains("from a formula"), "\(err)")
    }

    /// Two `pisim party` processes that disagree, or whose peer dies, exit non-zero with the reason.
    @Test func partiesThatDisagreeOrDieFailCleanly() throws {
        let binary = try #require(CommandLineLimitTests.binary)
        func start(_ args: [String]) throws -> (Process, Pipe) {
            let p = Process()
            p.executableURL = binary
            p.arguments = args
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            return (p, err)
        }
        // Different shapes: both refuse at the handshake.
        var peer = "127.0.0.1:\(try LocalPort.free())"
        let a = try start(["party", "op", "softmax", "--shape", "3x16", "--role", "0", "--peer", peer, "--timeout", "20"])
        let b = try start(["party", "op", "softmax", "--shape", "3x32", "--role", "1", "--peer", peer, "--timeout", "20"])
        for (p, err) in [a, b] {
            p.waitUntilExit()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(p.terminationStatus != 0)
            #expect(text.contains("different computation"), "\(text)")
        }
        // Party 1 killed mid-run: party 0 reports the closed connection and exits non-zero, well before its timeout.
        peer = "127.0.0.1:\(try LocalPort.free())"
        let started = Date()
        let c = try start(["party", "op", "softmax", "--shape", "12x128x128", "--role", "0", "--peer", peer, "--timeout", "60"])
        let d = try start(["party", "op", "softmax", "--shape", "12x128x128", "--role", "1", "--peer", peer, "--timeout", "60"])
        usleep(1_500_000)
        kill(d.0.processIdentifier, SIGKILL)   // SIGTERM may be blocked in processes this test runner starts
        c.0.waitUntilExit()
        let text = String(decoding: c.1.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(c.0.terminationStatus != 0)
        #expect(text.contains("closed the connection") || text.contains("has gone"), "\(text)")
        #expect(Date().timeIntervalSince(started) < 50)
    }
}

enum LocalPort {
    static func free() throws -> UInt16 { try TCPTransport.freePort() }
}
