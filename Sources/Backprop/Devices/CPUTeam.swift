import CBackpropCPU
import Synchronization

/// The threads that run the CPU path's split passes (the skinny products, the element-wise
/// passes): a `bp_team` of `size` threads, the caller one of them, started at the first split
/// and asleep when idle, so that a split costs a flag write and a barrier.
///
/// It replaced `DispatchQueue.concurrentPerform`: on one 2-core Zen 5 machine the output
/// layer's products (`CPUDevice.SkinnyKernel`) ran at 1.0–1.3× one thread's rate through it,
/// and at 1.35–1.8× through this team (BENCHMARKS.md, issue 15).
final class CPUTeam: @unchecked Sendable {
    let size: Int
    /// The team, once started (nil before the first run, or when it could not start).
    private var team: OpaquePointer?
    private var startFailed = false
    /// Held during a run: a second caller meanwhile (two threads sharing a device) runs its
    /// parts itself rather than waiting.
    private let busy = Atomic<Bool>(false)

    /// Pause instructions a worker spins after a run before it sleeps.
    let idleSpins: Int

    /// - Parameter idleSpins: 2,000 (some microseconds) by default: enough to catch the next
    ///   of a step's passes, short enough not to hold a core an OpenBLAS product needs. With
    ///   the fused step's 20,000, and without `rest`, the spinning worker slowed OpenBLAS's
    ///   products: 784,128,10 mini-batch 1024 ran at 160–225k samples/s against 285–300k.
    init(size: Int, idleSpins: Int = 2_000) {
        self.size = size
        self.idleSpins = idleSpins
    }

    deinit { if let team { bp_team_destroy(team) } }

    /// Whether the team's threads have been started (by a first run).
    var isStarted: Bool { team != nil }

    /// Sends the team's spinning workers to sleep: `CPUDevice` calls it before each product
    /// it gives OpenBLAS's threads, whose cores they would otherwise share.
    func rest() {
        // Under the flag, as a run: `team` may be being started by another thread.
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return }
        defer { busy.store(false, ordering: .releasing) }
        if let team { bp_team_rest(team) }
    }

    /// Calls body(t) on each of the team's threads t in 0..<size, t = 0 on this one, and
    /// returns once all have returned; false, having called nothing, when the team is busy or
    /// its threads cannot be started.
    func run(_ body: (Int) -> Void) -> Bool {
        guard size > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        defer { busy.store(false, ordering: .releasing) }
        if team == nil && !startFailed {
            team = bp_team_create(Int32(size))
            startFailed = team == nil
            if let team { bp_team_set_idle_spins(team, Int32(idleSpins)) }
        }
        guard let team else { return false }
        // bp_team_run returns only when every thread has returned from body.
        withoutActuallyEscaping(body) { body in
            var call = body
            withUnsafeMutablePointer(to: &call) { pointer in
                bp_team_run(team, { context, thread in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(thread))
                }, pointer)
            }
        }
        return true
    }
}
