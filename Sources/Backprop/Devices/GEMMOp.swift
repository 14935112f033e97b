/// The operand layout of a product C = op(A)·op(B): N keeps a matrix as stored, T transposes it.
public enum GEMMOp: String, Sendable, Hashable, Codable, CaseIterable {
    case nn = "NN", nt = "NT", tn = "TN", tt = "TT"

    public init(transA: Bool, transB: Bool) {
        self = transA ? (transB ? .tt : .tn) : (transB ? .nt : .nn)
    }

    public var transA: Bool { self == .tn || self == .tt }
    public var transB: Bool { self == .nt || self == .tt }
}
