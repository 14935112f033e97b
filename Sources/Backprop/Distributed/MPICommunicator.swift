#if MPI
import CMPI
import Foundation

/// The ranks of an `mpirun` job, over Open MPI (built with the package trait MPI). Collectives
/// go over MPI_COMM_WORLD: MPI_Allreduce in place for sums, MPI_Bcast from a root. The local
/// rank (a rank's place among those on its host, for its device) comes from a split by shared
/// memory. A rank that fails calls `abort`, which ends the whole job (MPI_Abort): a rank that
/// returned normally while the others waited in a collective would hang it.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    public let localRank: Int

    /// The job's communicator when this process was started by mpirun (Open MPI's
    /// OMPI_COMM_WORLD_SIZE, or PMIX_RANK, is set), else nil: a plain run stays one process.
    public static func fromEnvironment() throws -> MPICommunicator? {
        let env = ProcessInfo.processInfo.environment
        guard env["OMPI_COMM_WORLD_SIZE"] != nil || env["PMIX_RANK"] != nil else { return nil }
        return try MPICommunicator()
    }

    private init() throws {
        var provided: Int32 = 0
        try Self.check(MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided), "MPI_Init_thread")
        var r: Int32 = 0, n: Int32 = 0
        try Self.check(MPI_Comm_rank(backprop_mpi_comm_world(), &r), "MPI_Comm_rank")
        try Self.check(MPI_Comm_size(backprop_mpi_comm_world(), &n), "MPI_Comm_size")
        var local = MPI_Comm(bitPattern: 0)
        try Self.check(MPI_Comm_split_type(backprop_mpi_comm_world(), backprop_mpi_comm_type_shared(), r,
                                           backprop_mpi_info_null(), &local), "MPI_Comm_split_type")
        var lr: Int32 = 0
        try Self.check(MPI_Comm_rank(local, &lr), "MPI_Comm_rank")
        MPI_Comm_free(&local)
        (rank, size, localRank) = (Int(r), Int(n), Int(lr))
    }

    public func allReduceSum(_ values: UnsafeMutablePointer<Float>, count: Int) throws {
        try Self.check(MPI_Allreduce(backprop_mpi_in_place(), values, Int32(count), backprop_mpi_float(), backprop_mpi_sum(),
                                     backprop_mpi_comm_world()), "MPI_Allreduce")
    }

    public func allReduceSum(_ values: inout [Double]) throws {
        let count = Int32(values.count)
        try values.withUnsafeMutableBufferPointer {
            try Self.check(MPI_Allreduce(backprop_mpi_in_place(), $0.baseAddress, count, backprop_mpi_double(), backprop_mpi_sum(),
                                         backprop_mpi_comm_world()), "MPI_Allreduce")
        }
    }

    public func broadcast(_ values: UnsafeMutablePointer<Float>, count: Int, root: Int) throws {
        try Self.check(MPI_Bcast(values, Int32(count), backprop_mpi_float(), Int32(root), backprop_mpi_comm_world()), "MPI_Bcast")
    }

    public func broadcast(_ values: inout [Double], root: Int) throws {
        let count = Int32(values.count)
        try values.withUnsafeMutableBufferPointer {
            try Self.check(MPI_Bcast($0.baseAddress, count, backprop_mpi_double(), Int32(root), backprop_mpi_comm_world()), "MPI_Bcast")
        }
    }

    /// Ends every rank of the job with `code` (MPI_Abort); does not return.
    public func abort(_ code: Int32) -> Never {
        MPI_Abort(backprop_mpi_comm_world(), code)
        exit(code)
    }

    /// The end of a job that went well: every rank calls it once.
    public func finalize() {
        MPI_Finalize()
    }

    private static func check(_ status: Int32, _ call: String) throws {
        guard status == backprop_mpi_success() else {
            throw MPIError(call: call, status: status)
        }
    }
}

/// An MPI call that did not return MPI_SUCCESS.
public struct MPIError: Error, CustomStringConvertible, Sendable {
    public var call: String
    public var status: Int32
    public var description: String { "\(call) failed with MPI error \(status)" }
}
#endif
