import ArgumentParser
import Foundation
import Randomness
import Reports
import Scenario
import TwoParty

/// Where one party runs and how it reaches the other.
struct PartyOptions: ParsableArguments {
    @Option(help: "This process's party: 0 (the client, holds the input) or 1 (the server).") var role: Int
    @Option(help: "HOST:PORT of the link: party 0 listens there, party 1 connects to it.") var peer: String
    @Option(help: "Seconds to wait for the peer (to connect, or between flights) before failing.") var timeout: Double = 120
    @Option(help: "HOST:PORT of a dealer process (pisim dealer) for correlated randomness; without it, the seeded layout.") var dealer: String?

    /// The options of `pisim party` that are not part of the computation (left out of its hash).
    static let ownOptions: Set<String> = ["--role", "--peer", "--timeout", "--transport", "--dealer", "--correlations"]

    /// The dealer process's link, when --dealer is given.
    func dealerLink() throws -> DealerLink? {
        guard let dealer else { return nil }
        do { return DealerLink(transport: try TCPTransport.connect(to: dealer, timeout: timeout), role: role) } catch {
            throw CommandFailure("party \(role): dealer: \(error.description)")
        }
    }

    /// Connects to the peer and checks it runs the same computation.
    ///
    /// - Parameters:
    ///   - identity: everything both parties must agree on (arguments, file and profile hashes).
    func connect(identity: String) throws -> TCPTransport {
        guard role == 0 || role == 1 else { throw CommandFailure("--role must be 0 or 1, got \(role)") }
        guard timeout > 0, timeout.isFinite else { throw CommandFailure("--timeout must be a positive number of seconds") }
        do {
            let t = role == 0 ? try TCPTransport.accept(on: peer, timeout: timeout) : try TCPTransport.connect(to: peer, timeout: timeout)
            try PartyHandshake.greet(t, role: role, digest: SHA256.digest(Array(identity.utf8)))
            return t
        } catch { throw CommandFailure("party \(role): \(error.description)") }
    }

    /// The closing exchange of one computation: both parties' counters, as `measured`.
    func close(_ t: TCPTransport, before: TransportCounters, seconds: Double, dealerBytes: Int?, context: String) throws -> MeasuredExecution {
        do { return try MeasuredExecution.close(t, role: role, before: before, wallSeconds: seconds, dealerBytes: dealerBytes) } catch {
            throw CommandFailure("party \(role)\(context): \(error.description)")
        }
    }

    /// The command-line arguments after `pisim party SUBCOMMAND`, without the party's own options.
    static func computationArguments() -> [String] {
        var out = [String]()
        var args = Array(CommandLine.arguments.dropFirst(3)).makeIterator()
        while let a = args.next() {
            let name = a.split(separator: "=", maxSplits: 1).first.map(String.init) ?? a
            if ownOptions.contains(name) {
                if !a.contains("=") { _ = args.next() }
                continue
            }
            out.append(a)
        }
        return out
    }
}

/// `pisim party`: one party of a two-party computation, over TCP.
struct Party: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one party of a two-party computation over TCP (two hosts, or two processes).",
        discussion: """
        Start the same command on both hosts, one with --role 0 and one with --role 1; party 0 listens on --peer,
        party 1 connects to it:
          host A: pisim party op softmax --shape 12x128x128 --role 0 --peer 0.0.0.0:7100
          host B: pisim party op softmax --shape 12x128x128 --role 1 --peer hostA:7100
          (or: pisim party run SCENARIO.yaml --role R --peer HOST:PORT)
        Both check at connect that the other runs the same computation (a hash of the arguments, the scenario
        file and the profile), then execute the protocol with each party holding only its own shares, and each
        prints the report with the measured bytes per party, flights and wall time beside the model's prediction.
        Correlated randomness is the seeded dealer (CrypTen's trusted first party: party 1's shares from a seed
        both hold, party 0 holds the rest): reproducible, not secure. pisim op/run --transport tcp start both
        parties on localhost.
        """,
        subcommands: [PartyOp.self, PartyRun.self])
}

struct PartyOp: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "op", abstract: "One party of pisim op.")

    @OptionGroup var party: PartyOptions
    @OptionGroup var arguments: OpArguments

    func run() throws {
        try reportingErrors {
            let r = try arguments.resolved()
            if let refusal = r.profile.realTransportRefusal { throw CommandFailure(refusal) }
            let identity = (["op"] + PartyOptions.computationArguments() + [r.profile.textSHA256]).joined(separator: "\u{1F}")
            let transport = try party.connect(identity: identity)
            let dealer = try party.dealerLink()
            let before = transport.counters, dealerBefore = dealer?.bytesReceived
            var report = try arguments.report(hosting: .party(party.role, transport, dealer: dealer))
            report.measured = try party.close(transport, before: before, seconds: report.partySeconds ?? 0,
                                              dealerBytes: dealer.map { $0.bytesReceived - (dealerBefore ?? 0) }, context: "")
            dealer?.finish()
            try arguments.print(report)
        }
    }

}

struct PartyRun: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "One party of pisim run.")

    @OptionGroup var party: PartyOptions
    @OptionGroup var options: ScenarioOptions
    @OptionGroup var output: RunReportOptions

    func run() throws {
        try output.validate()
        try reportingErrors {
            let runs = try options.scenarios()
            try LocalParties.checkTransport(runs)
            let identity = (["run"] + PartyOptions.computationArguments() + [try options.scenarioSHA256() ?? ""]
                + runs.map(\.request.profile.textSHA256)).joined(separator: "\u{1F}")
            let transport = try party.connect(identity: identity)
            let dealer = try party.dealerLink()
            var results = [ScenarioResult]()
            for (i, run) in runs.enumerated() {
                let before = transport.counters, dealerBefore = dealer?.bytesReceived ?? 0
                var result = try options.results(of: [run], selected: { _ in true }, hosting: .party(party.role, transport, dealer: dealer))[0].result
                if run.fidelity == .execute {
                    result.report.measured = try party.close(transport, before: before, seconds: result.report.partySeconds ?? 0,
                                                             dealerBytes: dealer.map { $0.bytesReceived - dealerBefore }, context: ", run \(i + 1)")
                }
                results.append(result)
            }
            dealer?.finish()
            try output.print(results)
        }
    }
}

/// `--transport tcp`: both parties as processes of this executable on localhost.
enum LocalParties {
    /// Refuses runs whose profile no real transport can carry.
    static func checkTransport(_ runs: [Scenario]) throws {
        for run in runs where run.fidelity == .execute {
            if let refusal = run.request.profile.realTransportRefusal { throw CommandFailure("--transport tcp: \(refusal)") }
        }
    }

    /// Starts `pisim party SUBCOMMAND` as party 0 and party 1 with the user's arguments
    /// (without --transport), party 0's report on this standard output; fails when either fails.
    ///   - dealer: also start `pisim dealer` and point both parties at it.
    static func run(subcommand: String, arguments: [String], dealer: Bool = false) throws {
        var args = [String]()
        var it = arguments.dropFirst().makeIterator()   // drop the subcommand name itself
        while let a = it.next() {
            if a == "--transport" || a == "--correlations" { _ = it.next(); continue }
            if a.hasPrefix("--transport=") || a.hasPrefix("--correlations=") { continue }
            args.append(a)
        }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let port: UInt16
        do { port = try TCPTransport.freePort() } catch { throw CommandFailure(error.description) }
        let peer = "127.0.0.1:\(port)"
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("pisim-party-\(getpid())")
        try? FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: logs) }
        var processes = [Process]()
        var dealerArguments = [String]()
        if dealer {
            let d = Process()
            d.executableURL = executable
            let address: String
            do { address = "127.0.0.1:\(try TCPTransport.freePort())" } catch { throw CommandFailure(error.description) }
            d.arguments = ["dealer", "--listen", address]
            d.standardOutput = FileHandle.nullDevice
            try d.run()
            processes.append(d)
            dealerArguments = ["--dealer", address]
        }
        for role in 0...1 {
            let p = Process()
            p.executableURL = executable
            p.arguments = ["party", subcommand] + args + ["--role", "\(role)", "--peer", peer] + dealerArguments
            if role == 1 {
                p.standardOutput = FileHandle.nullDevice
                let log = logs.appendingPathComponent("party1.stderr")
                FileManager.default.createFile(atPath: log.path, contents: nil)
                p.standardError = try FileHandle(forWritingTo: log)
            }
            try p.run()
            processes.append(p)
        }
        for p in processes { p.waitUntilExit() }
        let failed = processes.enumerated().filter { $0.element.terminationStatus != 0 }
        guard failed.isEmpty else {
            if let text = try? String(contentsOf: logs.appendingPathComponent("party1.stderr"), encoding: .utf8), !text.isEmpty {
                FileHandle.standardError.write(Data(("party 1: " + text).utf8))
            }
            let names = dealer ? ["the dealer", "party 0", "party 1"] : ["party 0", "party 1"]
            throw CommandFailure(failed.map { "\(names[$0.offset]) exited with status \($0.element.terminationStatus)" }.joined(separator: "; "))
        }
    }
}

/// `pisim dealer`: the trusted third party of dealer mode.
struct DealerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dealer",
        abstract: "Serve correlated randomness (Beaver triples, AND triples, random bits) to two pisim parties over TCP.",
        discussion: """
        The trusted third party of CrypTen's TTP and SPU's beaver_tfp: both parties connect (pisim party … --dealer HOST:PORT),
        send the same request for each triple or bit batch, and get their own shares back. It computes what the seeded
        layout computes, so results are bit for bit those of a seeded run; what it sends is offline communication.
        It serves one pair of parties (every computation they run) and exits when they close.
        """)

    @Option(help: "HOST:PORT to listen on.") var listen: String
    @Option(help: "Seconds to wait for a party before failing.") var timeout: Double = 120

    func run() throws {
        guard timeout > 0, timeout.isFinite else { throw CommandFailure("--timeout must be a positive number of seconds") }
        do {
            try DealerService.serve(on: listen, timeout: timeout) { FileHandle.standardError.write(Data(("pisim dealer: " + $0 + "\n").utf8)) }
        } catch { throw CommandFailure("dealer: \(error.description)") }
    }
}
