/// The block variants, with the stable identifiers of the command line and scenario files
/// (AERO configurations from Jha & Reagen, arXiv 2410.13060; Power-Softmax from Zimerman
/// et al., arXiv 2410.09457).
public enum Architecture: String, Sendable, CaseIterable, Codable {
    /// Pre-LN GPT-2: LN → attention → residual → LN → FFN (d → 4d → d, GELU) → residual (SM+LN+G).
    case baseline
    /// LayerNorm kept, FFN activation ReLU (SM+LN+R).
    case smLnR = "sm-ln-r"
    /// LayerNorm kept, no FFN activation (SM+LN).
    case smLn = "sm-ln"
    /// LayerNorm-free, GELU (SM+G).
    case smG = "sm-g"
    /// LayerNorm-free, ReLU (SM+R).
    case smR = "sm-r"
    /// Softmax-only: no LayerNorm, no activation, scaled FFN (two matrices).
    case sm
    /// Softmax-only with the scaled FFN fused into one d×d matrix (W_in·W_out), optionally
    /// keeping only the first K FFNs.
    case aero
    /// Attention with Power-Softmax, polynomial GELU, LayerNorm by inverse-square-root approximation.
    case powerSoftmax = "power-softmax"

    public enum Activation: String, Sendable { case gelu, relu, none }

    public var hasLayerNorm: Bool { [.baseline, .smLnR, .smLn, .powerSoftmax].contains(self) }

    public var activation: Activation {
        switch self {
        case .baseline, .smG, .powerSoftmax: .gelu
        case .smLnR, .smR: .relu
        case .smLn, .sm, .aero: .none
        }
    }

    /// The two FFN matrices are fused into one d×d matrix (only without an activation).
    public var fusedFFN: Bool { self == .aero }

    /// The attention nonlinearity's catalog name.
    public var attentionFunction: String { self == .powerSoftmax ? "power-softmax" : "softmax" }

    /// - Throws: `TransformerError.unknownArchitecture` naming the known identifiers.
    public static func named(_ name: String) throws(TransformerError) -> Architecture {
        guard let a = Architecture(rawValue: name) else { throw .unknownArchitecture(name, known: allCases.map(\.rawValue)) }
        return a
    }
}
