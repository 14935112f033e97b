/// The Swift types with typed accessors, and how each maps to little-endian bits.
protocol SafeTensorsScalar {
    associatedtype Bits: FixedWidthInteger
    static var dtype: SafeTensors.DType { get }
    init(bits: Bits)
    var bits: Bits { get }
}
