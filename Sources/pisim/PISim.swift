import ArgumentParser
import Foundation
import Arithmetic
import Scenario

/// The `pisim` command: a thin front end; each subcommand lives in its own file.
@main
struct PISim: ParsableCommand {
    /// Entry point: user errors print one line and exit with status 2, never a trap.
    static func main() {
        do {
            var command = try parseAsRoot()
            do { try command.run() } catch let failure as CommandFailure {
                FileHandle.standardError.write(Data("pisim: error: \(failure.message)\n".utf8))
                Foundation.exit(2)
            }
        } catch {
            // --help and --version exit 0 as ArgumentParser prints them; every other
            // command-line error is a user error like the library's: status 2.
            guard exitCode(for: error) != .success else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "pisim",
        abstract: "PISim: cost and error of private (2PC / homomorphic) transformer inference, by running it.",
        version: BuildInfo.version,
        subcommands: [Run.self, Compare.self, Merge.self, Validate.self, Approx.self, Op.self, Party.self, DealerCommand.self, Calibrate.self, Version.self]
    )
}


struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print PISim's version and the libraries it runs on.")

    func run() throws {
        print("pisim \(BuildInfo.version) (\(BuildInfo.revision))")
        print("gmp \(GMPInfo.version)")
    }
}
