/// A user error: `PISim.main` prints it as one line on stderr and exits with status 2.
struct CommandFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
