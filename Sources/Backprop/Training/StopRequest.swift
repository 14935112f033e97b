import Foundation
import Synchronization

/// A request to stop training cooperatively: the update in flight finishes (on an OpenCL CPU
/// device's stochastic step, the launch of up to a check interval's steps in flight), the run saves
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
    /// stop, a second ends the process at once (exit status 128 + the signal), writing
    /// `secondSignal(signal)` to standard error first: no checkpoint is written then, the last
    /// one saved stays. The handlers are installed on the first call (later calls keep the
    /// first notes), and both signals unblocked (a parent may have started the process with
    /// them blocked, and exec keeps the mask).
    public static func onSignals(secondSignal: (Int32) -> String = { _ in "" }) -> StopRequest {
        notesMade.withLock { made in
            guard !made else { return }
            made = true
            // Encoded now, into memory kept for the life of the process: a handler may only write it.
            func encode(_ s: Int32) -> (address: UInt, count: Int) {
                let bytes = Array(secondSignal(s).utf8)
                let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Swift.max(bytes.count, 1))
                _ = buffer.initialize(from: bytes)
                return (UInt(bitPattern: buffer.baseAddress), bytes.count)
            }
            let int = encode(SIGINT), term = encode(SIGTERM)
            secondSIGINT.store(int.address, ordering: .relaxed)
            secondSIGINTCount.store(int.count, ordering: .relaxed)
            secondSIGTERM.store(term.address, ordering: .relaxed)
            secondSIGTERMCount.store(term.count, ordering: .relaxed)
        }
        _ = installed
        return signals
    }

    private static let notesMade = Mutex(false)

    private static let signals = StopRequest()

    private static let installed: Bool = {
        _ = signals  // made before any handler can run: a handler must not initialise a static
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGINT, SIGTERM] {
            sigaddset(&set, s)
            handle(s) { sig in
                guard StopRequest.signals.reason.exchange(sig, ordering: .relaxed) > 0 else { return }
                // Only async-signal-safe calls here: write(2) of bytes made beforehand, then _exit.
                let (address, count) = sig == SIGTERM
                    ? (secondSIGTERM.load(ordering: .relaxed), secondSIGTERMCount.load(ordering: .relaxed))
                    : (secondSIGINT.load(ordering: .relaxed), secondSIGINTCount.load(ordering: .relaxed))
                if count > 0, let bytes = UnsafeRawPointer(bitPattern: address) { _ = write(2, bytes, count) }
                _exit(128 + sig)
            }
        }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        return true
    }()
}

// What a second signal writes, as an address and a length the handler can read safely.
private let secondSIGINT = Atomic<UInt>(0), secondSIGINTCount = Atomic<Int>(0)
private let secondSIGTERM = Atomic<UInt>(0), secondSIGTERMCount = Atomic<Int>(0)

/// signal(2), from outside the class, whose `signal` property hides the function.
private func handle(_ number: Int32, _ handler: @convention(c) (Int32) -> Void) {
    signal(number, handler)
}
