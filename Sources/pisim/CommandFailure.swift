/// A user error: `PISim.main` prints it as one line on stderr and exits with status 2.
struct CommandFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Runs `body`, turning the library's errors (which describe themselves: file, line, key,
/// reason) into one-line command failures.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as CommandFailure {
        throw e
    } catch {
        throw CommandFailure("\(error)")
    }
}
