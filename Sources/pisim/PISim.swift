import ArgumentParser
import Arithmetic

/// The `pisim` command: a thin front end; each subcommand lives in its own file.
@main
struct PISim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pisim",
        abstract: "PISim: cost and error of private (2PC / homomorphic) transformer inference, by running it.",
        version: PISimVersion.current,
        subcommands: [Approx.self, Version.self]
    )
}

/// The version string of this build.
enum PISimVersion {
    static let current = "0.1.0"
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print PISim's version and the libraries it runs on.")

    func run() throws {
        print("pisim \(PISimVersion.current)")
        print("gmp \(GMPInfo.version)")
    }
}
