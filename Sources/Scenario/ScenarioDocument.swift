import CostModel
import Foundation
import Yams

/// A scenario file before resolution: a YAML mapping in which any value may be a list.
/// A list is a sweep axis; the runs are the Cartesian product of the axes, in file order
/// (the last axis varies fastest). Keys whose value is itself a list (`range: [-8, 8]`)
/// sweep only when given a list of lists.
public struct ScenarioDocument {
    public var root: YAMLNode
    /// Directory of the file, for relative paths (profiles, weights).
    public var directory: String
    /// Key paths set from the command line, with the flag that set them: errors at these
    /// keys are reported against the flag, not the file.
    public private(set) var overrides: [(path: String, origin: String)] = []

    /// Keys whose scalar value is a list of numbers (not a sweep).
    static let listValuedKeys: Set<String> = ["range", "reciprocal_range"]

    /// Reads and parses a scenario file.
    ///
    /// - Throws: `FileError` when the file is missing, unreadable or not YAML.
    public static func load(path: String) throws(FileError) -> ScenarioDocument {
        guard FileManager.default.fileExists(atPath: path) else {
            throw FileError(file: path, line: 0, key: "", message: "no such scenario file")
        }
        let text = try YAMLNode.readText(path: path)
        return try parse(text, file: path, directory: URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    /// Parses scenario text (`file` names it in errors).
    public static func parse(_ text: String, file: String, directory: String = ".") throws(FileError) -> ScenarioDocument {
        let root = try YAMLNode.parse(text, file: file)
        guard case .mapping = root.node else { throw root.error("a scenario is a mapping of keys to values") }
        return ScenarioDocument(root: root, directory: directory)
    }

    /// An empty scenario (every key from flags or defaults).
    public static func empty(file: String = "command line") -> ScenarioDocument {
        ScenarioDocument(root: YAMLNode(node: .mapping(Node.Mapping([])), file: file, path: ""), directory: ".")
    }

    /// Sets the value at a dotted key path (creating mappings on the way), replacing what the
    /// file said: how command-line flags override a file. A value with several entries
    /// becomes a list (a sweep).
    public mutating func override(_ path: String, with values: [String], origin: String? = nil) {
        overrides.append((path, origin ?? "--set \(path)"))
        let value: Node = values.count == 1 ? Node(values[0]) : .sequence(Node.Sequence(values.map { Node($0) }))
        root = YAMLNode(node: Self.setting(root.node, at: path.split(separator: ".").map(String.init)[...], to: value),
                        file: root.file, path: "")
    }

    /// Sets the value at a dotted key path to a YAML value (`[8, 16]` sweeps, `{…}` is a
    /// mapping): how `--set key=VALUE` overrides a file.
    ///
    /// - Throws: `FileError` when VALUE is not YAML.
    public mutating func override(_ path: String, yaml: String) throws(FileError) {
        let value = try YAMLNode.parse(yaml, file: "--set \(path)")
        overrides.append((path, "--set \(path)"))
        root = YAMLNode(node: Self.setting(root.node, at: path.split(separator: ".").map(String.init)[...], to: value.node),
                        file: root.file, path: "")
    }

    /// Keys whose value may be a preset name or a mapping; setting a sub-key of a preset
    /// name (`--set model.width=1024` over `model: gpt2-small`) keeps the preset:
    /// `{preset: gpt2-small, width: 1024}`.
    static let presetKeys: Set<String> = ["model", "network"]

    static func setting(_ node: Node, at path: ArraySlice<String>, to value: Node, parentKey: String? = nil) -> Node {
        guard let key = path.first else { return value }
        // A sub-key of a swept value is set in every entry (`--set model.layers=2` over
        // `model: [gpt2-small, gpt2-medium]`).
        if case let .sequence(items) = node, parentKey.map({ !listValuedKeys.contains($0) }) ?? true {
            return .sequence(Node.Sequence(items.map { setting($0, at: path, to: value, parentKey: parentKey) }, items.tag, items.style, items.mark))
        }
        var pairs: [(Node, Node)] = []
        if case let .mapping(m) = node { pairs = Array(m) }
        if case .scalar = node, let parentKey, presetKeys.contains(parentKey) { pairs = [(Node("preset"), node)] }
        if let i = pairs.firstIndex(where: { $0.0.string == key }) {
            pairs[i].1 = setting(pairs[i].1, at: path.dropFirst(), to: value, parentKey: key)
        } else {
            pairs.append((Node(key), setting(.mapping(Node.Mapping([])), at: path.dropFirst(), to: value, parentKey: key)))
        }
        return .mapping(Node.Mapping(pairs))
    }

    /// `error` as the user should read it: one at (or under) a key set by a flag names the
    /// flag instead of the file's line.
    public func attributing(_ error: FileError) -> FileError {
        let key = error.key.replacingOccurrences(of: #"\[[0-9]+\]"#, with: "", options: .regularExpression)
        guard error.file == root.file else { return error }
        if let o = overrides.last(where: { key == $0.path || key.hasPrefix($0.path + ".") }) {
            return FileError(file: "command line (\(o.origin))", line: 0, key: error.key, message: error.message)
        }
        // A mapping-level error (the precision as a whole) with a flag inside it.
        if !key.isEmpty, let o = overrides.last(where: { $0.path.hasPrefix(key + ".") }) {
            return FileError(file: "\(error.file) with \(o.origin)", line: error.line, key: error.key, message: error.message)
        }
        return error
    }

    /// One swept dimension: its key path and the values it takes, rendered for labels.
    public struct Axis: Sendable, Hashable {
        public var key: String
        public var values: [String]
    }

    /// The sweep axes in file order.
    public var axes: [Axis] { Self.axes(of: root.node, path: "") }

    static func axes(of node: Node, path: String) -> [Axis] {
        guard case let .mapping(m) = node else { return [] }
        var out = [Axis]()
        for (k, v) in m {
            let key = k.string ?? "?"
            let p = path.isEmpty ? key : "\(path).\(key)"
            if let items = sweepItems(v, key: key) {
                out.append(Axis(key: p, values: items.map(label)))
            } else {
                out += axes(of: v, path: p)
            }
        }
        return out
    }

    /// The entries of `node` when it is a sweep axis, else nil.
    static func sweepItems(_ node: Node, key: String) -> [Node]? {
        guard case let .sequence(s) = node else { return nil }
        let items = Array(s)
        if listValuedKeys.contains(key) {
            guard let first = items.first, case .sequence = first else { return nil }
        }
        return items
    }

    /// A short rendering of a swept value: the scalar, a mapping's `name`, a list.
    static func label(_ node: Node) -> String {
        switch node {
        case let .scalar(s): s.string
        case let .mapping(m): m["name"]?.string ?? "{" + m.map { "\($0.0.string ?? "?"): \(label($0.1))" }.joined(separator: ", ") + "}"
        case let .sequence(s): "[" + s.map(label).joined(separator: ", ") + "]"
        case .alias: "*"
        }
    }

    /// Number of runs the sweep expands to (the product of the axis lengths).
    /// Saturates at `Int.max` (sixty-four axes of two values do not trap).
    public var runCount: Int { axes.reduce(1) { $0.saturatingMultiplying($1.values.count) } }

    /// The most runs one sweep may expand to, with or without `--yes`.
    public static let maximumRuns = 10_000
    /// The most tokens a run may generate after its prefill: each is a decode step through
    /// every block, so 2^16 steps of LLaMA-7B take about 8 minutes even in estimate fidelity
    /// (7 ms a step on the 2-core development machine); more is refused, not run for hours.
    public static let maximumGeneratedTokens = 1 << 16

    /// One run of the sweep: the document with every list replaced by one of its entries,
    /// and which entry each axis took.
    public struct Point {
        public var root: YAMLNode
        public var assignments: [(key: String, value: String)]
        public var directory: String
    }

    /// Every run of the sweep, in order. An empty list (an axis with no entries) is refused.
    ///
    /// - Throws: `FileError` at the first empty list.
    /// - Throws: `FileError` at the first empty list, or when the sweep has more than
    ///   `maximumRuns` runs.
    public func points() throws(FileError) -> [Point] {
        try checkAxes()
        let count = runCount
        guard count <= Self.maximumRuns else {
            throw FileError(file: root.file, line: 0, key: "",
                            message: "the sweep expands to \(count == .max ? "more than 2^63" : "\(count)") runs; PISim runs at most \(Self.maximumRuns) in one invocation")
        }
        return Self.expand(root.node, path: "", firstOnly: false).map {
            Point(root: YAMLNode(node: $0.node, file: root.file, path: ""), assignments: $0.assignments, directory: directory)
        }
    }

    /// The sweep's first run alone (every axis at its first entry), however large the
    /// sweep: resolving it checks every key before the size of the sweep is discussed.
    ///
    /// - Throws: `FileError` at the first empty list.
    public func firstPoint() throws(FileError) -> Point {
        try checkAxes()
        let first = Self.expand(root.node, path: "", firstOnly: true)[0]
        return Point(root: YAMLNode(node: first.node, file: root.file, path: ""), assignments: first.assignments, directory: directory)
    }

    func checkAxes() throws(FileError) {
        if let empty = Self.firstEmptyAxis(root.node, path: "") {
            throw FileError(file: root.file, line: empty.line, key: empty.key, message: "an empty list sweeps over nothing")
        }
    }

    static func firstEmptyAxis(_ node: Node, path: String) -> (key: String, line: Int)? {
        guard case let .mapping(m) = node else { return nil }
        for (k, v) in m {
            let key = k.string ?? "?", p = path.isEmpty ? key : "\(path).\(key)"
            if let items = sweepItems(v, key: key) {
                if items.isEmpty { return (p, v.mark?.line ?? k.mark?.line ?? 0) }
            } else if let e = firstEmptyAxis(v, path: p) {
                return e
            }
        }
        return nil
    }

    /// The runs of the sweep under `node`; `firstOnly`: only the first (each axis at its
    /// first entry; axes are non-empty, checked by `checkAxes`).
    static func expand(_ node: Node, path: String, firstOnly: Bool) -> [(node: Node, assignments: [(key: String, value: String)])] {
        guard case let .mapping(m) = node else { return [(node, [])] }
        var partial: [(pairs: [(Node, Node)], assignments: [(key: String, value: String)])] = [([], [])]
        for (k, v) in m {
            let key = k.string ?? "?", p = path.isEmpty ? key : "\(path).\(key)"
            let choices: [(node: Node, assignments: [(key: String, value: String)])]
            if let items = sweepItems(v, key: key) {
                choices = (firstOnly ? Array(items.prefix(1)) : items).map { ($0, [(p, label($0))]) }
            } else {
                choices = expand(v, path: p, firstOnly: firstOnly)
            }
            partial = partial.flatMap { prefix in
                choices.map { c in (prefix.pairs + [(k, c.node)], prefix.assignments + c.assignments) }
            }
        }
        return partial.map { (.mapping(Node.Mapping($0.pairs, m.tag, m.style, m.mark)), $0.assignments) }
    }
}
