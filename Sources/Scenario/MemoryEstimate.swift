import Foundation
import Transformer

/// The peak memory of an execute run, estimated from its shapes before it starts, so that a
/// run that cannot fit is refused with the figure instead of aborting minutes later.
///
/// peak ≈ 150 MB + a · (attention scores, B·H·T²) + w · (elements of the largest linear
/// layer: the embedding V·d plus the one-hot tokens B·T·V with embeddings — a ViT's patch
/// projection and patches instead — else the FFN d·ffn) + w · (a decoding run's KV cache,
/// 2·L·B·(T + K)·kv width; the weights' allowance, not measured separately), with per-element allowances measured as peak RSS (`/usr/bin/time -f %M`) of
/// release builds on the 2-core development machine (2026-12-02):
/// - two-party, executed softmax (crypten): 1.24 GB at T = 512 and 4.78 GB at T = 1024
///   (one block, no embeddings) → a = 420 B; an analytic softmax (bumblebee): 0.34 GB at
///   T = 512 → a = 120 B;
/// - two-party with embeddings: 2.92 GB at T = 128 (one block; a matrix Beaver triple for
///   the 50257 × 768 embedding) → w = 65 B;
/// - CKKS (GMP slot integers): power-softmax 1.57 GB at T = 256 → a = 2,400 B, and
///   w = 2,400 B.
/// Each figure rounds the measurement up; the estimate is a guard, not a prediction.
public struct MemoryEstimate: Sendable, Hashable {
    /// Estimated peak resident bytes.
    public var bytes: Int
    /// The term that dominates ("attention scores", "embedding", "KV cache").
    public var dominantTerm: String

    /// The estimate for an execute run of `request` (saturating: a request whose shapes
    /// were accepted never traps here).
    public init(executing request: RunRequest) {
        let m = request.model, b = Double(request.batch), t = Double(request.tokens)
        let scores = b * Double(m.heads) * t * t
        let linear = request.includeEmbeddings ? Double(m.inputWidth) * Double(m.width) + b * t * Double(m.inputWidth)
            : Double(m.width) * Double(m.ffnWidth)
        // Decoding keeps every block's keys and values for the whole context.
        let cache = request.generate > 0 ? 2 * Double(m.layers) * b * (t + Double(request.generate)) * Double(m.kvWidth) : 0
        let perScore: Double, perWeight: Double
        if request.profile.ckks != nil {
            (perScore, perWeight) = (2400, 2400)
        } else {
            let attention = request.attention ?? request.architecture.attentionFunction
            perScore = request.profile.nonlinearities[attention]?.method == "analytic" ? 120 : 420
            perWeight = 65
        }
        let terms = [("attention scores", perScore * scores), (request.includeEmbeddings ? "embedding" : "FFN weights", perWeight * linear),
                     ("KV cache", perWeight * cache)]
        let total = 150e6 + terms.reduce(0) { $0 + $1.1 }
        bytes = Int(saturatingCost: total)
        dominantTerm = terms.max { $0.1 < $1.1 }?.0 ?? "attention scores"
    }

    /// The machine's physical memory in bytes, or the cgroup limit when lower (containers).
    public static var physicalMemory: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        var memory = pages > 0 && pageSize > 0 ? pages.saturatingMultiplying(pageSize) : 8 << 30
        if let text = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8),
           let limit = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0 {
            memory = min(memory, limit)
        }
        return memory
    }

    /// The default limit: half of physical memory (the other half for the system, and for
    /// the estimate's own error).
    public static var defaultLimit: Int { physicalMemory / 2 }

    /// Parses "12G", "500M", "2048K" or a byte count (powers of 1024).
    public static func parseSize(_ text: String) -> Int? {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var s = text.trimmingCharacters(in: .whitespaces).uppercased()
        if s.hasSuffix("B") { s.removeLast() }
        let unit = s.last.flatMap { units[$0] } ?? 1
        if unit > 1 { s.removeLast() }
        guard let value = Double(s), value > 0, value.isFinite else { return nil }
        let bytes = value * Double(unit)
        return bytes < 0x1p62 ? Int(bytes) : nil
    }
}

extension Scenario {
    /// Refuses an execute run whose estimated peak memory exceeds `limit` bytes.
    ///
    /// - Throws: `RunError.memory` with the estimate and what to change.
    public func checkMemory(limit: Int) throws(RunError) {
        guard fidelity == .execute else { return }
        let estimate = MemoryEstimate(executing: request)
        guard estimate.bytes <= limit else { throw .memory(estimate: estimate, limit: limit) }
    }
}
