@testable import Backprop
import Synchronization

/// Runs tests under each instruction set's instance of the CPU kernels. The choice is one
/// setting for the whole process, so the tests that change it take turns through one lock
/// (other suites may run meanwhile: every instance computes what they expect).
enum KernelISA {
    /// Every instance the kernels are built in, widest first.
    static let all = ["avx512", "avx2", "baseline"]

    private static let turn = Mutex(())

    /// Calls `body` once under each instance this CPU runs, with the widest chosen again
    /// afterwards; returns the names it ran under.
    @discardableResult
    static func each(_ body: (String) throws -> Void) throws -> [String] {
        try turn.withLock { _ in
            let widest = CPUDevice.rowKernelISA
            defer { _ = CPUDevice.useRowKernelISA(widest) }
            var ran: [String] = []
            for isa in all where CPUDevice.useRowKernelISA(isa) {
                try body(isa)
                ran.append(isa)
            }
            return ran
        }
    }
}
