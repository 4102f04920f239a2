import Foundation
import Testing
@testable import Scenario

/// `pisim run --shard I/N` and `pisim merge`: the parts of a sweep, merged, print what one
/// run of the whole sweep prints, byte for byte, in every format; parts that do not belong
/// together are refused with the reason.
@Suite("Sharded sweeps and merge")
struct ShardMergeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs pisim; returns (status, stdout, stderr).
    static func pisim(_ arguments: [String], in directory: URL = root) throws -> (Int32, String, String) {
        try run(try #require(CommandLineLimitTests.binary, "build pisim first (swift build)"), arguments, in: directory)
    }

    /// Runs `executable` with `arguments` in `directory`; returns (status, stdout, stderr).
    static func run(_ executable: URL, _ arguments: [String], in directory: URL = root) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes concurrently so neither fills and blocks the child.
        nonisolated(unsafe) var errData = Data()
        let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(1000) }
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    static func scratch() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("pisim-shard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// Shards `sweep` N ways into `directory`, then checks merge = one run for each format and the HTML page.
    static func checkMergeEqualsSingleRun(_ sweep: [String], shards: Int, in directory: URL) throws {
        var parts = [String]()
        for i in 1...shards {
            let path = directory.appendingPathComponent("part\(i).json").path
            let (status, _, err) = try pisim(["run"] + sweep + ["--shard", "\(i)/\(shards)", "--part-file", path])
            #expect(status == 0, "\(err.suffix(300))")
            parts.append(path)
        }
        for format in ["table", "json", "csv", "markdown"] {
            let single = try pisim(["run"] + sweep + ["--format", format, "--by-layer"])
            let merged = try pisim(["merge"] + parts.reversed() + ["--format", format, "--by-layer"])
            #expect(single.0 == 0 && merged.0 == 0, "\(merged.2.suffix(300))")
            #expect(!single.1.isEmpty && merged.1 == single.1, "\(format) differs")
        }
        let a = directory.appendingPathComponent("single.html").path, b = directory.appendingPathComponent("merged.html").path
        _ = try pisim(["run"] + sweep + ["--html", a])
        _ = try pisim(["merge"] + parts + ["--html", b])
        #expect(FileManager.default.contents(atPath: a) == FileManager.default.contents(atPath: b))
    }

    @Test func estimateSweepMergesByteForByte() throws {
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        try Self.checkMergeEqualsSingleRun(["--arch", "baseline,aero", "--protocol", "crypten,bumblebee", "--seq", "32,64",
                                            "--network", "lan,wan", "--fidelity", "estimate", "--yes"], shards: 5, in: d)
    }

    /// Executed runs carry errors per nonlinearity and per layer; every Double must survive the part file.
    @Test func executeSweepMergesByteForByte() throws {
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        try Self.checkMergeEqualsSingleRun(["--layers", "2", "--seq", "4", "--no-embeddings", "--set", "model.width=64", "--set", "model.heads=2",
                                            "--set", "model.ffn_width=256", "--fractional-bits", "12,16", "--arch", "baseline,aero",
                                            "--fidelity", "execute"], shards: 3, in: d)
    }

    @Test func partsThatDoNotBelongTogetherAreRefused() throws {
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        let scenario = d.appendingPathComponent("sweep.yaml")
        try "model: gpt2-small\nprotocol: crypten\ntokens: [16, 32, 48]\nfidelity: estimate\n".write(to: scenario, atomically: true, encoding: .utf8)
        func part(_ i: Int, _ n: Int, _ extra: [String] = []) throws -> String {
            let path = d.appendingPathComponent("p\(i)of\(n)\(extra.joined()).json").path
            let (status, _, err) = try Self.pisim(["run", scenario.path, "--shard", "\(i)/\(n)", "--part-file", path] + extra)
            #expect(status == 0, "\(err)")
            return path
        }
        let p1 = try part(1, 2), p2 = try part(2, 2), q1 = try part(1, 3), other = try part(2, 2, ["--network", "wan"])
        func refused(_ parts: [String], _ reason: String) throws {
            let (status, _, err) = try Self.pisim(["merge"] + parts)
            #expect(status == 2 && err.contains(reason), "\(parts): \(err)")
        }
        #expect(try Self.pisim(["merge", p1, p2]).0 == 0)
        try refused([p1], "missing: shard(s) 2/2")
        try refused([p1, p1, p2], "is in both")
        try refused([p1, q1], "shard count")
        try refused([p1, other], "scenario arguments")
        try refused([], "at least one part")
        let junk = d.appendingPathComponent("junk.json").path
        try "{\"format\": \"x\"}".write(toFile: junk, atomically: true, encoding: .utf8)
        try refused([junk], "not a pisim shard part")
        try "model: gpt2-small\nprotocol: crypten\ntokens: [16, 32, 64]\nfidelity: estimate\n".write(to: scenario, atomically: true, encoding: .utf8)
        try refused([p1, p2], "changed since the parts were written")
        let (formatStatus, _, formatErr) = try Self.pisim(["run", scenario.path, "--shard", "1/2", "--format", "json"])
        #expect(formatStatus == 2 && formatErr.contains("give --format"), "\(formatErr)")
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            let (status, _, err) = try Self.pisim(["run", "--fidelity", "estimate", "--shard", bad])
            #expect(status == 2 && err.contains("--shard"), "\(bad): \(err)")
        }
    }

    /// Each run lands in exactly one of N slices.
    @Test func slicesPartitionTheSweep() throws {
        for n in 1...7 {
            let slices = try (1...n).map { try ShardSelection(parsing: "\($0)/\(n)") }
            for run in 0..<50 { #expect(slices.filter { $0.contains(run) }.count == 1) }
        }
    }
}

/// examples/ray_sweep.py against a local Ray cluster: its merged report equals one run.
/// Needs a Python with Ray: `PISIM_RAY_PYTHON=/path/to/venv/bin/python`, or `python3` if it
/// imports ray; skipped otherwise (Ray is a PyPI package, not part of the build).
@Suite("Ray driver")
struct RayDriverTests {
    /// Whether `candidate` runs `code` (default: imports ray).
    static func python(_ candidate: String, runs code: String = "import ray") -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [candidate, "-c", code]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    static let rayPython: String? = [ProcessInfo.processInfo.environment["PISIM_RAY_PYTHON"], "python3"].compactMap { $0 }.first { python($0) }

    static func driver(_ python: String, _ arguments: [String]) throws -> (Int32, String, String) {
        let script = ShardMergeTests.root.appendingPathComponent("examples/ray_sweep.py").path
        let pisim = try #require(CommandLineLimitTests.binary, "build pisim first (swift build)").path
        return try ShardMergeTests.run(URL(fileURLWithPath: "/usr/bin/env"), [python, script, "--pisim", pisim] + arguments)
    }

    static let sweep = ["--arch", "baseline,aero", "--protocol", "crypten,bumblebee", "--seq", "32,64", "--fidelity", "estimate"]

    @Test(.enabled(if: rayPython != nil, "Ray is not installed: set PISIM_RAY_PYTHON to a Python with ray to test examples/ray_sweep.py"))
    func rayShardsMergeToTheSingleRun() throws {
        let python = try #require(Self.rayPython)
        let (status, merged, err) = try Self.driver(python, ["--shards", "3", "--num-cpus", "2", "--format", "json", "--"] + Self.sweep)
        #expect(status == 0, "\(err.suffix(500))")
        let single = try ShardMergeTests.pisim(["run"] + Self.sweep + ["--format", "json"])
        #expect(single.0 == 0 && !merged.isEmpty && merged == single.1)
    }

    /// Without Ray the driver says so and exits 3 (not a traceback).
    @Test(.enabled(if: python("python3", runs: "pass") && !python3HasRay, "python3 is missing, or has Ray (the Ray test covers it)"))
    func withoutRayTheDriverSaysSo() throws {
        let (status, _, err) = try Self.driver("python3", ["--"] + Self.sweep)
        #expect(status == 3 && err.contains("Ray is not installed"), "\(err)")
    }

    static let python3HasRay = rayPython == "python3"
}
