import Foundation
import Synchronization

/// A request to stop training cooperatively: the update in flight finishes, the run saves
/// its checkpoint as it would at the end, and `TrainingRun` returns with the reason
/// `.interrupted`. Any thread (or a signal handler) may make the request.
public final class StopRequest: Sendable {
    /// The signal that asked, SIGINT or SIGTERM; `requested` for a request made in code; 0 for none.
    private let reason = Atomic<Int32>(0)
    private static let requested: Int32 = -1

    public init() {}

    /// Asks training to stop after the current update.
    public func request() { reason.store(Self.requested, ordering: .relaxed) }

    public var isRequested: Bool { reason.load(ordering: .relaxed) != 0 }

    /// The signal that asked for the stop, if a signal did.
    public var signal: Int32? {
        let r = reason.load(ordering: .relaxed)
        return r > 0 ? r : nil
    }

    /// The process's stop request for SIGINT and SIGTERM: the first either signal asks for a
    /// stop, a second ends the process at once (exit status 128 + the signal). The handlers are
    /// installed on the first call, and both signals unblocked (a parent may have started the
    /// process with them blocked, and exec keeps the mask).
    public static func onSignals() -> StopRequest {
        _ = installed
        return signals
    }

    private static let signals = StopRequest()

    private static let installed: Bool = {
        _ = signals  // made before any handler can run: a handler must not initialise a static
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGINT, SIGTERM] {
            sigaddset(&set, s)
            handle(s) { sig in
                if StopRequest.signals.reason.exchange(sig, ordering: .relaxed) > 0 { _exit(128 + sig) }
            }
        }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        return true
    }()
}

/// signal(2), from outside the class, whose `signal` property hides the function.
private func handle(_ number: Int32, _ handler: @convention(c) (Int32) -> Void) {
    signal(number, handler)
}
