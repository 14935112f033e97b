import Backprop
import Foundation

extension BenchmarkSuite {
    // MARK: GEMM

    /// Each shape on `cblas_sgemm` ("cblas", opened for the purpose) and then on every
    /// device, the CPU path included (its skinny products run its own kernels), back to back,
    /// so that each ratio compares figures taken seconds apart.
    func runGEMM(_ devices: [BenchmarkDevice]) throws {
        let c = configuration
        progress(.sectionStarted(.gemm, repeats: c.gemmRepeats))
        let reference = BenchmarkDevice.cblas()
        let others = devices
        for shape in c.gemmShapes {
            var cblas: Double?
            for bench in [reference] + others {
                do {
                    let work = try GEMMWorkload(device: bench.device, shape: shape)
                    let m = try GEMMBenchmark.measure(work, repeats: c.gemmRepeats, targetSeconds: c.gemmSecondsPerRepeat)
                    var r = BenchmarkRecord(device: bench.label, section: .gemm, unit: "GFLOP/s")
                    r.shape = shape.name
                    r.op = shape.op.rawValue
                    r.set(m.rate)
                    r.compileSeconds = Swift.max(0, m.firstSeconds - m.steadySeconds)
                    if bench === reference {
                        cblas = m.rate.median
                        r.reference = true
                        r.ratioToCBLAS = 1
                    } else if let cblas {
                        r.ratioToCBLAS = m.rate.median / cblas
                    }
                    emit(r)
                } catch {
                    skip(.gemm, "\(bench.label) \(shape.name) \(shape.op.rawValue): \(error)", failure: true)
                }
            }
        }
    }

    // MARK: Time to accuracy

    /// Every accuracy run on every device, on the MNIST split; skipped, with the reason, when
    /// the folder is missing or unreadable.
    func runAccuracy(_ devices: [BenchmarkDevice]) throws {
        let c = configuration, s = c.accuracy
        progress(.sectionStarted(.accuracy, repeats: 1))
        let dir = c.dataset ?? TimeToAccuracy.defaultDirectory()
        let split: (train: Dataset, heldOut: Dataset)
        do {
            split = try TimeToAccuracy.loadSplit(dir, trainCount: s.trainCount, heldOutCount: s.heldOutCount)
        } catch {
            skip(.accuracy, "no usable MNIST data: \(error); --dataset DIR names an MNIST-style IDX folder "
                + "(or set BACKPROP_DATA_DIR to the folder holding mnist/)", failure: false)
            return
        }
        for bench in devices {
            for run in s.runs {
                do {
                    let m = try TimeToAccuracy.measure(device: bench.device, run: run, train: split.train,
                                                       heldOut: split.heldOut, settings: s)
                    var r = BenchmarkRecord(device: bench.label, section: .accuracy, unit: "s")
                    r.net = LayerSizes(s.sizes).description
                    r.mode = run.name
                    r.batch = run.mode.rowsPerUpdate(count: split.train.count)
                    r.samples = split.train.count
                    r.seconds = m.seconds
                    r.epochs = m.epochs
                    r.accuracy = m.accuracy
                    r.reached = m.reached
                    r.target = s.target
                    r.lr = Double(run.optimizer.learningRate)
                    r.momentum = run.optimizer.kind == .momentum ? Double(run.optimizer.momentum) : 0
                    r.compileSeconds = m.warmupSeconds
                    r.curve = m.curve.map { [$0.seconds, $0.accuracy] }
                    emit(r)
                } catch {
                    skip(.accuracy, "\(bench.label) \(run.name): \(error)", failure: true)
                }
            }
        }
    }
}
