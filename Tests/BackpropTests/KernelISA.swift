@testable import Backprop

/// Runs tests under each instruction set's instance of the CPU kernels. The choice is the
/// calling thread's (and its thread teams'), so tests that change it leave other suites,
/// running meanwhile on other threads, on the widest.
enum KernelISA {
    /// Every instance the kernels are built in, widest first.
    static let all = ["avx512", "avx2", "baseline"]

    /// Calls `body` once under each instance this CPU runs, with the widest chosen again
    /// afterwards; returns the names it ran under.
    @discardableResult
    static func each(_ body: (String) throws -> Void) throws -> [String] {
        let widest = all.first { CPUDevice.useRowKernelISA($0) } ?? "baseline"
        defer { _ = CPUDevice.useRowKernelISA(widest) }
        var ran: [String] = []
        for isa in all where CPUDevice.useRowKernelISA(isa) {
            try body(isa)
            ran.append(isa)
        }
        return ran
    }
}
