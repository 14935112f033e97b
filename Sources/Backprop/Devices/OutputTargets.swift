/// What the output layer is trained towards, as `Device.outputDelta` reads it.
public enum OutputTargets {
    /// rows × cols target values (regression targets, or one-hot rows given by hand).
    case values(BufferRef)
    /// One class index per row, stored as a Float (exact up to 2²⁴): the one-hot row it
    /// stands for is never stored, so memory follows the samples, not samples × classes. With
    /// one output, the index (0 or 1) is the target itself.
    case classes(BufferRef)

    public var buffer: BufferRef {
        switch self {
        case .values(let b), .classes(let b): b
        }
    }

    public var isClasses: Bool {
        if case .classes = self { return true }
        return false
    }

    /// Elements per row: `cols` for values, 1 for class indices.
    public func width(cols: Int) -> Int {
        if case .values = self { return cols }
        return 1
    }

    /// The same targets from row `row` on.
    public func advanced(rows row: Int, cols: Int) -> OutputTargets {
        switch self {
        case .values(let b): .values(b.advanced(by: row * cols))
        case .classes(let b): .classes(b.advanced(by: row))
        }
    }
}
