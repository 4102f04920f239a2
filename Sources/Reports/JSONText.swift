import Foundation

/// The JSON conventions every report shares: non-finite numbers as null, keys sorted and
/// indented so the same report always gives the same bytes.
enum JSONText {
    static func number(_ v: Double) -> Any { v.isFinite ? v : NSNull() }

    static func text(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self)
    }
}
