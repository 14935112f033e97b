@testable import Backprop
import BackpropTestSupport
import Testing

/// `CPUTeam`, the threads of the CPU path's split passes: every thread index runs once a run,
/// a caller that finds the team busy gets false (and runs its parts itself), and the threads
/// go with the device.
@Suite("CPU device's thread team")
struct CPUTeamTests {
    @Test("a run calls the body once on each thread index, and the caller waits for all")
    func eachThreadOnce() {
        let team = CPUTeam(size: 3)
        #expect(!team.isStarted)
        // One slot per thread index, each written only by its thread; read after the run.
        let calls = UnsafeMutableBufferPointer<Int>.allocate(capacity: 3)
        defer { calls.deallocate() }
        calls.initialize(repeating: 0)
        for round in 1...50 {
            let ran = team.run { t in calls[t] += 1 }
            #expect(ran)
            #expect(Array(calls) == [round, round, round])
        }
        #expect(team.isStarted)
        team.rest()
        let ranAfterRest = team.run { t in calls[t] += 1 }
        #expect(ranAfterRest && Array(calls) == [51, 51, 51])
    }

    @Test("a run from inside a run is refused, so the caller runs its parts alone")
    func busyRefuses() {
        let team = CPUTeam(size: 2)
        var inner: [Bool] = []
        let ran = team.run { t in
            if t == 0 { inner.append(team.run { _ in }) }  // thread 0 is this one
        }
        #expect(ran && inner == [false])
        let alone = CPUTeam(size: 1).run { _ in Issue.record("a team of one runs nothing") }
        #expect(!alone)
    }

    @Test("a device's split pass starts its team, and the team goes with the device")
    func releasedWithDevice() throws {
        weak var released: CPUTeam?
        try {
            let cpu = CPUDevice()
            cpu.parallelElements = 1
            let n = 4096
            let z = try cpu.makeBuffer([Float](repeating: 0.5, count: n)), b = try cpu.makeBuffer([Float](repeating: 0, count: 64))
            let a = try cpu.makeBuffer(count: n)
            try cpu.biasActivation(rows: 64, cols: 64, z: z.start, bias: b.start, a: a.start, activation: .relu)
            #expect(try cpu.download(a.start, count: n).allSatisfy { $0 == 0.5 })
            #expect(cpu.team.isStarted == (cpu.threads > 1))
            released = cpu.team
        }()
        #expect(released == nil)
    }
}
