import Backprop
import BackpropBench
import BackpropTestSupport
import Testing

@Suite("BenchmarkTable")
struct BenchmarkTableTests {
    /// The peers' column names and widths (Benchmarks/peers/common.py `_COLUMNS`): ours must
    /// start the same way so that the tables line up.
    @Test("leading columns are the peers', name for name and width for width")
    func peersHeaders() {
        let t = BenchmarkTable()
        #expect(t.header(.throughput).hasPrefix("peer        device   net               mode                samples/s   min         max"))
        #expect(t.header(.gemm).hasPrefix("peer        device   shape             op   GFLOP/s   min   max"))
        #expect(t.header(.accuracy).hasPrefix("peer        device   net          mode           seconds   epochs   held-out acc"))
    }

    @Test("titles as the peers print them")
    func titles() {
        #expect(BenchmarkTable.title(.throughput, repeats: 5) == "== Training throughput (samples/s; median [min–max] of 5) ==")
        #expect(BenchmarkTable.title(.gemm, repeats: 2) == "== GEMM (GFLOP/s; median [min–max] of 2) ==")
        #expect(BenchmarkTable.title(.accuracy, repeats: 1) == "== Time to 95% held-out accuracy (MNIST split 8000/2000) ==")
    }

    @Test("long device labels widen their column, so rows stay aligned")
    func widening() {
        let t = BenchmarkTable(devices: ["cpu", "opencl:0 pocl-haswell"])
        var a = BenchmarkRecord(device: "cpu", section: .throughput, unit: "samples/s")
        a.net = "784,128,10"
        a.mode = "minibatch-32"
        a.median = 1234.4
        a.min = 1000
        a.max = 1300
        a.repeats = 5
        a.batch = 32
        var b = a
        b.device = "opencl:0 pocl-haswell"
        let ra = t.row(a), rb = t.row(b)
        #expect(ra.range(of: "784,128,10")?.lowerBound.utf16Offset(in: ra) == rb.range(of: "784,128,10")?.lowerBound.utf16Offset(in: rb))
        #expect(ra.contains("1234 ") && ra.contains("minibatch-32"))
    }

    @Test("time-to-accuracy rows say when the target was not reached, with the best accuracy")
    func notReached() {
        var r = BenchmarkRecord(device: "cpu", section: .accuracy, unit: "s")
        r.net = "784,256,10"
        r.mode = "batch"
        r.seconds = 60.04
        r.epochs = 12
        r.accuracy = 0.9312
        r.reached = false
        let row = BenchmarkTable().row(r)
        #expect(row.contains(">60.0") && row.contains("93.12% (not reached)") && row.contains(" 12 "))
        r.reached = true
        r.accuracy = 0.951
        r.epochs = 2.5
        let reached = BenchmarkTable().row(r)
        #expect(reached.contains("60.04") && reached.contains("95.10%") && !reached.contains("not reached") && reached.contains("2.50"))
    }

    @Test("small GEMM rates keep two significant digits; cblas rows are labelled")
    func gemmRows() {
        var r = BenchmarkRecord(device: "cpu", section: .gemm, unit: "GFLOP/s")
        r.shape = "256×256×256"
        r.op = "NN"
        r.median = 0.0487
        r.min = 0.04
        r.max = 31.25
        r.reference = true
        let row = BenchmarkTable().row(r)
        #expect(row.contains("0.049") && row.contains("31.2") && row.contains("cblas_sgemm"))
    }
}
