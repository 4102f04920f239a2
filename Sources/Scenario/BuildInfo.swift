import Foundation

/// What produced a result: PISim's version and the git revision of the source tree it was
/// built from, for the provenance of every machine-readable report.
public enum BuildInfo {
    /// The release version.
    public static let version = "0.2.0"

    /// `git rev-parse HEAD` of the tree this file was compiled from, with "-dirty" when the
    /// tree had uncommitted changes at run time; "unknown" without git or the tree.
    /// Computed once per process.
    public static let revision: String = {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
        guard let head = git(["rev-parse", "HEAD"], in: directory), head.count == 40 else { return "unknown" }
        let dirty = git(["status", "--porcelain", "--untracked-files=no"], in: directory).map { !$0.isEmpty } ?? false
        return head + (dirty ? "-dirty" : "")
    }()

    static func git(_ arguments: [String], in directory: String) -> String? {
        guard FileManager.default.fileExists(atPath: directory) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
