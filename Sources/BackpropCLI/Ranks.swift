import ArgumentParser
import Backprop
import Foundation

/// The ranks `backprop train` runs as: one process, or, in a build with the MPI trait started
/// by mpirun, the job's ranks. A rank that fails ends the whole job (MPI_Abort) with its exit
/// status, since the others would wait for it forever; ranks that all stop on a signal, or
/// finish, end MPI together.
struct Ranks {
    let communicator: any Communicator
    private let end: (_ status: Int32?) -> Void

    static func fromEnvironment() throws -> Ranks {
        #if MPI
        if let mpi = try MPICommunicator.fromEnvironment() {
            return Ranks(communicator: mpi) { status in
                // A signal reaches every rank and all stop together: no abort for them.
                if let status, status != 0, status != 130, status != 143, mpi.size > 1 { mpi.abort(status) }
                mpi.finalize()
            }
        }
        #endif
        return Ranks(communicator: SingleProcess()) { _ in }
    }

    /// Runs `body`, then ends the ranks as its outcome asks.
    func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let e as ExitCode {
            end(e.rawValue)
            throw e
        } catch {
            end(64)
            throw error
        }
        end(nil)
    }
}
