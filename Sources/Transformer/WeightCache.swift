import Foundation
import Tensors

/// Weight matrices kept after their first use, so that a run draws (or decodes) each once:
/// the exact reference and the private run use the same matrices, and regenerating a seeded
/// 768 × 3072 matrix costs more than multiplying by it in the clear. Bounded: at most
/// `budgetBytes` are held, oldest first out, and a matrix larger than a quarter of the
/// budget (GPT-2's 50257 × 768 embedding) is never kept. Thread-safe.
public final class WeightCache: @unchecked Sendable {
    /// The most bytes held (8 per element).
    public let budgetBytes: Int
    private let lock = NSLock()
    private var entries = [String: Tensor<Double>]()
    private var order = [String]()
    private var heldBytes = 0

    /// 512 MiB by default: every block of GPT-2 small (85 M weights, 680 MB) does not fit, the
    /// working set of a few blocks does.
    public init(budgetBytes: Int = 512 << 20) {
        self.budgetBytes = budgetBytes
    }

    /// Bytes held now.
    public var bytes: Int { lock.withLock { heldBytes } }

    /// The cached matrix for `key`, or `make()`'s, kept when it fits.
    func value(_ key: String, _ make: () -> Tensor<Double>) -> Tensor<Double> {
        if let hit = lock.withLock({ entries[key] }) { return hit }
        let t = make()
        let size = t.scalars.count.saturatingMultiplied(by: 8)
        guard size <= budgetBytes / 4 else { return t }
        lock.withLock {
            guard entries[key] == nil else { return }
            while heldBytes + size > budgetBytes, let oldest = order.first {
                order.removeFirst()
                heldBytes -= (entries.removeValue(forKey: oldest)?.scalars.count ?? 0) * 8
            }
            entries[key] = t
            order.append(key)
            heldBytes += size
        }
        return t
    }
}

extension Int {
    fileprivate func saturatingMultiplied(by other: Int) -> Int {
        let (v, o) = multipliedReportingOverflow(by: other)
        return o ? .max : v
    }
}
