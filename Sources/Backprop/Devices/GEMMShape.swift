
/// One matrix product C(m×n) = op(A)(m×k)·op(B)(k×n), as the benchmark, the tuner and the
/// peers name it. A network's step is made of three: forward Z = A·Wᵀ (NT: batch×out×in),
/// weight gradients dW = dZᵀ·A (TN: out×in×batch) and input gradients dA = dZ·W (NN:
/// batch×in×out).
public struct GEMMShape: Sendable, Hashable, Codable, CustomStringConvertible {
    public var m: Int
    public var n: Int
    public var k: Int
    public var op: GEMMOp

    public init(m: Int, n: Int, k: Int, op: GEMMOp) {
        (self.m, self.n, self.k, self.op) = (m, n, k, op)
    }

    public static func nn(_ m: Int, _ n: Int, _ k: Int) -> GEMMShape { GEMMShape(m: m, n: n, k: k, op: .nn) }
    public static func nt(_ m: Int, _ n: Int, _ k: Int) -> GEMMShape { GEMMShape(m: m, n: n, k: k, op: .nt) }
    public static func tn(_ m: Int, _ n: Int, _ k: Int) -> GEMMShape { GEMMShape(m: m, n: n, k: k, op: .tn) }

    public var transA: Bool { op.transA }
    public var transB: Bool { op.transB }
    /// 2·m·n·k: one multiply and one add per term.
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    /// The smallest of m, n and k (what decides whether packing operands pays).
    public var smallest: Int { Swift.min(m, n, k) }
    /// "256×1024×784"
    public var name: String { "\(m)×\(n)×\(k)" }
    /// "NN 1024³", "NT 256×1024×784"
    public var description: String { m == n && n == k ? "\(op.rawValue) \(m)³" : "\(op.rawValue) \(name)" }
}
