import Approximation
import Foundation
import Tensors
import Transformer
import TwoParty

/// Where an executed run departs from the exact model: each nonlinearity's own error (its
/// output against the exact function of the same revealed input), inputs outside the
/// approximation's range, and how the error grows layer by layer (hidden state against
/// the exact model's, and the KL divergence of attention rows).
public struct AccuracyReport: Sendable, Codable, Equatable {
    public struct Nonlinearity: Sendable, Codable, Equatable {
        public var name: String
        public var calls = 0
        public var elements = 0
        /// max |approximation(x) − f(x)| over every call.
        public var maxAbsolute = 0.0
        public var meanAbsolute: Double { elements == 0 ? 0 : sumAbsolute / Double(elements) }
        var sumAbsolute = 0.0
        /// Inputs (elements, or rows for row functions) outside the approximation's range.
        public var outOfRange = 0
        /// "rows" or "elements".
        public var outOfRangeUnit = "elements"
        /// "3 rows", for tables.
        public var outOfRangeLabel: String { "\(outOfRange) \(outOfRangeUnit)" }
        /// The profile computes this function exactly (an analytic step without a value
        /// method): the error is that of re-sharing the exact value (≈ ½ ulp), not the
        /// protocol's approximation. Every report marks it "ideal".
        public var ideal = false
    }

    public struct Layer: Sendable, Codable, Equatable {
        public var layer: Int
        /// |hidden − exact hidden| after the block.
        public var hiddenMaxAbsolute = 0.0
        public var hiddenMeanAbsolute = 0.0
        /// KL(exact ‖ approximate) of attention rows, in nats, both rows renormalised to
        /// sum to 1 (the approximate one clamped to ≥ 1e−12 first; variants with ε do not
        /// sum to 1 exactly, and a row's deviation is in the nonlinearity's own error).
        public var attentionKLMean = 0.0
        public var attentionKLMax = 0.0
        /// Attention rows with a negative weight (the approximation left the simplex).
        public var attentionNegativeRows = 0
    }

    public var byNonlinearity: [Nonlinearity] = []
    public var byLayer: [Layer] = []
}

/// Collects the exact model's intermediate values, then compares the private run's.
final class AccuracyRecorder {
    let approximations: [String: any NonlinearApproximation]
    let attentionFunction: String
    var exactHidden = [Int: [Double]]()
    var exactAttention = [Int: [Float]]()
    var nonlinearities = [String: AccuracyReport.Nonlinearity]()
    var order = [String]()
    var layers = [Int: AccuracyReport.Layer]()
    /// When the reference runs beside the private run: comparisons that need its values are
    /// kept (`pending`) and made by `finishDeferred`.
    var defersReferenceComparisons = false
    var pendingBlocks = [(layer: Int, hidden: Tensor<Double>)]()
    var pendingAttention = [(layer: Int, output: Tensor<Double>)]()

    init(approximations: [String: any NonlinearApproximation], attentionFunction: String) {
        self.approximations = approximations
        self.attentionFunction = attentionFunction
    }

    /// The exact model's values.
    func reference(_ event: ForwardEvent) {
        switch event {
        case let .block(layer, hidden): exactHidden[layer] = hidden.scalars
        case let .nonlinearity(function, layer?, _, output, _) where function == attentionFunction:
            exactAttention[layer] = output.scalars.map { Float($0) }
        case .nonlinearity: break
        }
    }

    /// The private run's values.
    func observe(_ event: ForwardEvent) {
        switch event {
        case let .block(layer, hidden):
            if defersReferenceComparisons { pendingBlocks.append((layer, hidden)); return }
            guard let exact = exactHidden[layer] else { return }
            var entry = layers[layer] ?? AccuracyReport.Layer(layer: layer)
            var sum = 0.0
            for (a, e) in zip(hidden.scalars, exact) {
                let d = abs(a - e)
                entry.hiddenMaxAbsolute = max(entry.hiddenMaxAbsolute, d)
                sum += d
            }
            entry.hiddenMeanAbsolute = sum / Double(max(exact.count, 1))
            layers[layer] = entry
        case let .nonlinearity(function, layer, input, output, mask):
            guard let approximation = approximations[function] else { return }
            let exact = mask.flatMap { m in (approximation as? any MaskableRowFunction)?.reference(input, mask: m) }
                ?? approximation.reference(input)
            if nonlinearities[function] == nil {
                order.append(function)
                nonlinearities[function] = AccuracyReport.Nonlinearity(name: function, outOfRangeUnit: approximation.isRowwise ? "rows" : "elements",
                                                                       ideal: approximation.computesExactValues)
            }
            var entry = nonlinearities[function]!
            entry.calls += 1
            entry.elements += output.count
            for (a, e) in zip(output.scalars, exact.scalars) {
                let d = abs(a - e)
                entry.maxAbsolute = max(entry.maxAbsolute, d.isNaN ? .infinity : d)
                entry.sumAbsolute += d
            }
            entry.outOfRange += approximation.outOfRangeCount(input)
            nonlinearities[function] = entry
            if function == attentionFunction, let layer {
                if defersReferenceComparisons {
                    pendingAttention.append((layer, output))
                } else if let p = exactAttention[layer] {
                    attentionDivergence(p, output, layer: layer)
                }
            }
        }
    }

    func attentionDivergence(_ p: [Float], _ q: Tensor<Double>, layer: Int) {
        let n = max(q.shape.last ?? 1, 1)
        var entry = layers[layer] ?? AccuracyReport.Layer(layer: layer)
        var total = 0.0, rows = 0
        for r in stride(from: 0, to: min(p.count, q.count), by: n) {
            var kl = 0.0, negative = false, massP = 0.0, massQ = 0.0
            for j in r..<(r + n) {
                if q.scalars[j] < 0 { negative = true }
                massP += Double(p[j])
                massQ += max(q.scalars[j], 1e-12)
            }
            if massP > 0 {
                for j in r..<(r + n) where p[j] > 0 {
                    let pj = Double(p[j]) / massP, qj = max(q.scalars[j], 1e-12) / massQ
                    kl += pj * log(pj / qj)
                }
            }
            if negative { entry.attentionNegativeRows += 1 }
            entry.attentionKLMax = max(entry.attentionKLMax, kl)
            total += kl
            rows += 1
        }
        entry.attentionKLMean = total / Double(max(rows, 1))
        layers[layer] = entry
    }

    /// Takes the reference's values and makes the comparisons kept for them, in the order
    /// the private run observed them.
    func finishDeferred(reference: AccuracyRecorder) {
        exactHidden = reference.exactHidden
        exactAttention = reference.exactAttention
        defersReferenceComparisons = false
        for (layer, hidden) in pendingBlocks { observe(.block(layer: layer, hidden: hidden)) }
        for (layer, output) in pendingAttention {
            if let p = exactAttention[layer] { attentionDivergence(p, output, layer: layer) }
        }
        pendingBlocks = []
        pendingAttention = []
    }

    var report: AccuracyReport {
        AccuracyReport(byNonlinearity: order.compactMap { nonlinearities[$0] },
                       byLayer: layers.keys.sorted().compactMap { layers[$0] })
    }
}

/// The exact reference forward pass on a thread of its own, with its own recorder of the
/// values the private run is compared with.
final class ReferenceRun: @unchecked Sendable {
    let recorder: AccuracyRecorder
    let thread: JoinableThread<Tensor<Double>>

    init(approximations: [String: any NonlinearApproximation], attentionFunction: String,
         _ body: @escaping (@escaping ForwardObserver) -> Tensor<Double>) {
        let recorder = AccuracyRecorder(approximations: approximations, attentionFunction: attentionFunction)
        self.recorder = recorder
        nonisolated(unsafe) let observe = recorder.reference
        thread = JoinableThread { body(observe) }
    }

    /// The reference's output, once it has finished.
    func wait() -> Tensor<Double> { thread.join() }
}
