import Foundation

/// The ranks of a data-parallel run and the collective operations the trainer needs between
/// them: one sum of the flat gradient buffer per update, a few scalars at each check, and the
/// initial parameters from rank 0. Every rank calls every operation in the same order (a
/// collective that one rank skips hangs the others). `SingleProcess` does nothing, so one code
/// path serves one rank and many; `InProcessGroup` runs ranks as threads (the tests); an MPI
/// communicator runs them as processes.
public protocol Communicator: AnyObject {
    /// This rank, in 0..<size.
    var rank: Int { get }
    var size: Int { get }
    /// The rank among those on this host (the device to open), in 0..<localSize.
    var localRank: Int { get }
    /// Sums `count` floats over the ranks in place: every rank ends with the same sum.
    func allReduceSum(_ values: UnsafeMutablePointer<Float>, count: Int) throws
    /// Sums doubles over the ranks in place (losses, counts, flags).
    func allReduceSum(_ values: inout [Double]) throws
    /// Rank `root`'s floats on every rank.
    func broadcast(_ values: UnsafeMutablePointer<Float>, count: Int, root: Int) throws
    /// Rank `root`'s doubles on every rank.
    func broadcast(_ values: inout [Double], root: Int) throws
}

extension Communicator {
    public var isRoot: Bool { rank == 0 }

    /// Rank `root`'s array on every rank (each rank's array has the same count).
    public func broadcast(_ values: inout [Float], root: Int) throws {
        let count = values.count
        try values.withUnsafeMutableBufferPointer { try broadcast($0.baseAddress!, count: count, root: root) }
    }

    /// The rows of `range` this rank takes: the global rows split into `size` contiguous blocks
    /// in rank order, the first `count % size` blocks one row longer (as PyTorch's
    /// DistributedSampler splits without padding). A rank may get none.
    public func block(of range: Range<Int>) -> Range<Int> {
        let n = range.count, lo = range.lowerBound
        let start = lo + (n * rank) / size, end = lo + (n * (rank + 1)) / size
        return start..<end
    }
}

/// One process, one rank: every collective is the identity.
public final class SingleProcess: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var localRank: Int { 0 }
    public func allReduceSum(_ values: UnsafeMutablePointer<Float>, count: Int) throws {}
    public func allReduceSum(_ values: inout [Double]) throws {}
    public func broadcast(_ values: UnsafeMutablePointer<Float>, count: Int, root: Int) throws {}
    public func broadcast(_ values: inout [Double], root: Int) throws {}
}

/// Ranks as threads of one process, for tests: a shared slot per rank and a barrier. Sums run
/// in rank order in float64 and are rounded once, so every rank gets the same bits whatever the
/// threads' timing. Make one group and give `communicator(rank:)` to each thread.
public final class InProcessGroup: @unchecked Sendable {
    public let size: Int
    private let condition = NSCondition()
    private var arrived = 0, generation = 0
    fileprivate var floats: [[Float]]
    fileprivate var doubles: [[Double]]

    public init(size: Int) {
        precondition(size >= 1, "a group needs a rank")
        self.size = size
        floats = Array(repeating: [], count: size)
        doubles = Array(repeating: [], count: size)
    }

    public func communicator(rank: Int) -> Communicator {
        precondition(rank >= 0 && rank < size, "rank \(rank) outside 0..<\(size)")
        return Member(group: self, rank: rank)
    }

    /// Waits until every rank has arrived.
    fileprivate func barrier() {
        condition.lock()
        let mine = generation
        arrived += 1
        if arrived == size {
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == mine { condition.wait() }
        }
        condition.unlock()
    }

    /// Puts `value` in this rank's slot and returns every rank's, once all have put theirs.
    fileprivate func exchange<T>(_ slots: ReferenceWritableKeyPath<InProcessGroup, [[T]]>, rank: Int, _ value: [T]) -> [[T]] {
        condition.lock()
        self[keyPath: slots][rank] = value
        condition.unlock()
        barrier()
        condition.lock()
        let all = self[keyPath: slots]
        condition.unlock()
        barrier()  // nobody writes the next round's slot before all have read this one
        return all
    }

    private final class Member: Communicator {
        let group: InProcessGroup
        let rank: Int
        var size: Int { group.size }
        var localRank: Int { rank }

        init(group: InProcessGroup, rank: Int) {
            self.group = group
            self.rank = rank
        }

        func allReduceSum(_ values: UnsafeMutablePointer<Float>, count: Int) throws {
            let all = group.exchange(\.floats, rank: rank, Array(UnsafeBufferPointer(start: values, count: count)))
            for i in 0..<count {
                var sum = 0.0
                for r in 0..<all.count { sum += Double(all[r][i]) }
                values[i] = Float(sum)
            }
        }

        func allReduceSum(_ values: inout [Double]) throws {
            let all = group.exchange(\.doubles, rank: rank, values)
            for i in values.indices { values[i] = all.reduce(0) { $0 + $1[i] } }
        }

        func broadcast(_ values: UnsafeMutablePointer<Float>, count: Int, root: Int) throws {
            let all = group.exchange(\.floats, rank: rank, rank == root ? Array(UnsafeBufferPointer(start: values, count: count)) : [])
            for i in 0..<count { values[i] = all[root][i] }
        }

        func broadcast(_ values: inout [Double], root: Int) throws {
            let all = group.exchange(\.doubles, rank: rank, rank == root ? values : [])
            values = all[root]
        }
    }
}
