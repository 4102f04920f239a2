import Foundation
import Yams

/// An error in a data file: the file, the line, the key path and what is wrong.
public struct FileError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var key: String
    public var message: String

    public init(file: String, line: Int, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        "\(file)\(line > 0 ? ":\(line)" : ""): \(key.isEmpty ? "" : "'\(key)': ")\(message)"
    }
}

/// A YAML node that knows where it came from, so every error names file, line and key.
public struct YAMLNode {
    let node: Node
    public let file: String
    /// Dotted key path from the document root ("nonlinearities.exp.iterations").
    public let path: String

    public var line: Int { node.mark?.line ?? 0 }

    func error(_ message: String) -> FileError { FileError(file: file, line: line, key: path, message: message) }

    /// The largest scenario or profile text accepted, in UTF-8 bytes (1 MiB).
    public static let maximumTextBytes = 1 << 20
    /// The most nodes a document may hold once aliases are expanded: a "billion laughs"
    /// document of a few lines expands to 10^9 nodes, and every reader of the tree walks it.
    public static let maximumNodes = 100_000

    /// Parses `text` as one YAML document.
    ///
    /// - Throws: `FileError` for text that is not YAML, is larger than `maximumTextBytes`,
    ///   or expands (through aliases) to more than `maximumNodes` nodes.
    public static func parse(_ text: String, file: String) throws(FileError) -> YAMLNode {
        guard text.utf8.count <= maximumTextBytes else {
            throw FileError(file: file, line: 0, key: "", message: "the file has \(text.utf8.count) bytes; PISim reads at most \(maximumTextBytes)")
        }
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw FileError(file: file, line: 1, key: "", message: "the file is empty")
            }
            var budget = maximumNodes
            guard withinBudget(node, &budget) else {
                throw FileError(file: file, line: 0, key: "",
                                message: "the document expands to more than \(maximumNodes) values (aliases repeat what they name); write it out or use fewer aliases")
            }
            return YAMLNode(node: node, file: file, path: "")
        } catch let e as FileError {
            throw e
        } catch let e as YamlError {
            throw FileError(file: file, line: Self.line(of: e), key: "", message: "not valid YAML: \(Self.summary(of: e))")
        } catch {
            throw FileError(file: file, line: 0, key: "", message: "not valid YAML: \(error)")
        }
    }

    /// The text of a scenario or profile file: at most `maximumTextBytes` are read (a
    /// device or a huge file is refused, not slurped), and it must be UTF-8.
    ///
    /// - Throws: `FileError` naming the file.
    public static func readText(path: String) throws(FileError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw FileError(file: path, line: 0, key: "", message: isDirectory.boolValue ? "is a directory, not a file" : "no such file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FileError(file: path, line: 0, key: "", message: "cannot open the file for reading")
        }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.read(upToCount: maximumTextBytes + 1) ?? Data() } catch {
            throw FileError(file: path, line: 0, key: "", message: "cannot read the file")
        }
        guard data.count <= maximumTextBytes else {
            throw FileError(file: path, line: 0, key: "", message: "the file is larger than \(maximumTextBytes) bytes; PISim reads at most that")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FileError(file: path, line: 0, key: "", message: "cannot read the file as UTF-8 text")
        }
        return text
    }

    /// Walks `node` as readers will (aliases expanded), spending one unit per node; false
    /// once the budget is spent.
    static func withinBudget(_ node: Node, _ budget: inout Int) -> Bool {
        budget -= 1
        guard budget >= 0 else { return false }
        switch node {
        case .scalar, .alias: return true
        case let .sequence(s): return s.allSatisfy { withinBudget($0, &budget) }
        case let .mapping(m): return m.allSatisfy { withinBudget($0.key, &budget) && withinBudget($0.value, &budget) }
        }
    }

    static func line(of error: YamlError) -> Int {
        switch error {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _): mark.line
        case let .duplicatedKeysInMapping(_, context): context.mark.line
        default: 0
        }
    }

    /// One line of what is wrong, in PISim's words (Yams's own description quotes the
    /// whole document).
    static func summary(of error: YamlError) -> String {
        switch error {
        case let .scanner(context, problem, _, _), let .parser(context, problem, _, _), let .composer(context, problem, _, _):
            [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        case let .duplicatedKeysInMapping(duplicates, _):
            "the key\(duplicates.count == 1 ? "" : "s") \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) appear\(duplicates.count == 1 ? "s" : "") twice in one mapping"
        case let .reader(problem, _, _, _): problem
        case .dataCouldNotBeDecoded: "the text is not UTF-8"
        case .memory: "out of memory while parsing"
        default: "the parser refused it"
        }
    }

    /// The entries of a mapping, refusing keys outside `allowed` (with the nearest valid
    /// key suggested) and missing `required` keys.
    public func mapping(allowed: [String], required: [String] = []) throws(FileError) -> [String: YAMLNode] {
        guard case let .mapping(m) = node else { throw error("expected a mapping of keys to values") }
        var out = [String: YAMLNode]()
        for (k, v) in m {
            let key = k.string ?? "\(k)"
            let child = YAMLNode(node: v, file: file, path: path.isEmpty ? key : "\(path).\(key)")
            guard allowed.contains(key) else {
                let keyNode = YAMLNode(node: k, file: file, path: child.path)
                var message = "unknown key '\(key)'"
                if let s = Suggestion.nearest(key, in: allowed) { message += "; did you mean '\(s)'?" }
                message += " (valid keys: \(allowed.joined(separator: ", ")))"
                throw keyNode.error(message)
            }
            guard out[key] == nil else { throw child.error("key '\(key)' appears twice") }
            out[key] = child
        }
        for r in required where out[r] == nil { throw error("missing required key '\(r)'") }
        return out
    }

    /// Mapping keys in file order.
    public var orderedKeys: [String] {
        guard case let .mapping(m) = node else { return [] }
        return m.keys.compactMap(\.string)
    }

    public func string() throws(FileError) -> String {
        guard case let .scalar(s) = node else { throw error("expected a text value") }
        return s.string
    }

    public func int() throws(FileError) -> Int {
        guard case let .scalar(s) = node, let v = Int(s.string) else { throw error("expected an integer, got \(node.any)") }
        return v
    }

    public func double() throws(FileError) -> Double {
        guard case let .scalar(s) = node, let v = Double(s.string), v.isFinite else { throw error("expected a number, got \(node.any)") }
        return v
    }

    public func bool() throws(FileError) -> Bool {
        guard case let .scalar(s) = node else { throw error("expected true or false") }
        switch s.string.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default: throw error("expected true or false, got '\(s.string)'")
        }
    }

    public func sequence() throws(FileError) -> [YAMLNode] {
        guard case let .sequence(seq) = node else { throw error("expected a list") }
        return seq.enumerated().map { YAMLNode(node: $1, file: file, path: "\(path)[\($0)]") }
    }

    /// A non-negative integer (costs, counts).
    public func count() throws(FileError) -> Int {
        let v = try int()
        guard v >= 0 else { throw error("must be ≥ 0, got \(v)") }
        return v
    }

    /// A non-negative number (costs).
    public func nonNegative() throws(FileError) -> Double {
        let v = try double()
        guard v >= 0 else { throw error("must be ≥ 0, got \(v)") }
        return v
    }

    /// One of `names`, else an error listing them (with the nearest suggested).
    public func choice(_ names: [String]) throws(FileError) -> String {
        let v = try string()
        guard names.contains(v) else {
            var message = "unknown value '\(v)'"
            if let s = Suggestion.nearest(v, in: names) { message += "; did you mean '\(s)'?" }
            throw error(message + " (known: \(names.joined(separator: ", ")))")
        }
        return v
    }
}

extension Node {
    /// A short rendering for error messages.
    var any: String {
        switch self {
        case let .scalar(s): "'\(s.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}

/// Nearest-name suggestions for misspelt keys (Levenshtein distance).
public enum Suggestion {
    public static func nearest(_ word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, word.count / 3) else { return nil }
        return best.0
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        var previous = Array(0...y.count)
        for i in 1...max(x.count, 1) where !x.isEmpty {
            var current = [i] + [Int](repeating: 0, count: y.count)
            for j in 1...max(y.count, 1) where !y.isEmpty {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return x.isEmpty ? y.count : previous[y.count]
    }
}
