import Backprop
import Foundation
import BackpropTestSupport
import Testing

/// Runs of `backprop` are never lost: divergence is caught and reported, signals end training cleanly with a
/// checkpoint, kill -9 never corrupts one, device faults are named (and, where the user allowed
/// another device, survived), and resources stay flat.
@Suite("Reliability of the backprop command")
struct CommandReliabilityTests {
    @Test("after divergence the last good checkpoint is kept, untouched")
    func lastGoodCheckpointKept() throws {
        let dir = try TempDir()
        let model = dir.url.appendingPathComponent("model.safetensors").path
        #expect(try CLI.run(["train", "--dataset", "circles", "--epochs", "5", "--save", model]).status == 0)
        let good = try Data(contentsOf: URL(fileURLWithPath: model))
        let r = try CLI.run(["train", "--dataset", "circles", "--init", model, "--optimizer", "sgd",
                             "--learning-rate", "1e30", "--epochs", "5", "--save", model, "--save-every", "0"])
        #expect(r.status == 1, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("diverged") && r.stderr.contains("epoch 1") && r.stderr.contains("smaller learning rate"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: model)) == good)
    }

    // MARK: Signals

    @Test("a run whose loss grows a thousandfold exits 1 in its first epoch and leaves the checkpoint as it was")
    func finiteBlowUp() throws {
        let dir = try TempDir()
        let model = dir.url.appendingPathComponent("m.safetensors").path
        #expect(try CLI.run(["train", "--dataset", "spirals:2000", "--epochs", "2", "--save", model]).status == 0)
        let good = try Data(contentsOf: URL(fileURLWithPath: model))
        let r = try CLI.run(["train", "--dataset", "spirals:2000", "--learning-rate", "1e6", "--epochs", "5", "--save", model,
                             "--save-every", "0"])
        #expect(r.status == 1, "\(r.status): \(r.stderr)")
        #expect(r.stderr.contains("diverged") && r.stderr.contains("in epoch 1"), "\(r.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: model)) == good)
    }

    @Test("SIGINT and SIGTERM finish the step, save a checkpoint and exit 130 / 143",
          arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func signals(_ signal: Int32, _ expected: Int32) throws {
        let dir = try TempDir()
        let model = dir.url.appendingPathComponent("model.safetensors")
        let process = try CLI.start(["train", "--dataset", "spirals", "--epochs", "1000000", "--log-every", "1",
                                     "--save", model.path], logs: dir.url)
        // Wait for the first epoch line in its log (the helper writes stdout to a file in dir).
        let logs = try FileManager.default.contentsOfDirectory(at: dir.url, includingPropertiesForKeys: nil)
        let stdout = try #require(logs.first { $0.lastPathComponent.hasPrefix("stdout-") })
        #expect(CLI.wait(for: "epoch 2/", in: stdout, timeout: 60))
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == expected)
        let saved = try Checkpoint.read(from: model)
        #expect((saved.training?.completedEpochs ?? 0) >= 1)
    }

    @Test("kill -9 at any moment leaves the previous checkpoint intact")
    func killNine() throws {
        let dir = try TempDir()
        let model = dir.url.appendingPathComponent("model.safetensors")
        var rng = SeededGenerator(seed: 7)
        var kills = 0, checked = 0
        for _ in 0..<12 {
            // A run that saves after every epoch, all the time.
            let process = try CLI.start(["train", "--dataset", "circles", "--layers", "2,256,256,2", "--epochs", "1000000",
                                         "--save", model.path, "--save-every", "0"], logs: dir.url)
            usleep(UInt32(rng.uniform(0.3, 1.5) * 1_000_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            kills += process.terminationReason == .uncaughtSignal ? 1 : 0
            if FileManager.default.fileExists(atPath: model.path) {
                let c = try Checkpoint.read(from: model)
                #expect(c.architecture.sizes == [2, 256, 256, 2])
                checked += 1
            }
        }
        #expect(kills == 12)
        #expect(checked >= 6, "the runs saved too rarely to test anything (\(checked) checkpoints)")
    }

    // MARK: Device faults

    @Test("a kernel that fails to build is reported with the driver's log; a preference list falls back",
          .enabled(if: TestDevices.runOpenCL, TestDevices.skipReason))
    func buildFailure() throws {
        // Turn the kernels' element type into a syntax error.
        let env = ["BACKPROP_CL_OPTIONS": "-Dreal=+", "BACKPROP_CACHE_DIR": "off"]
        let strict = try CLI.run(["train", "--dataset", "xor", "--epochs", "2", "--device", "opencl"], environment: env)
        #expect(strict.status == 70)
        #expect(strict.stderr.contains("CL_BUILD_PROGRAM_FAILURE") && strict.stderr.contains("build log"))
        #expect(strict.stderr.contains("expected identifier"))
        let lenient = try CLI.run(["train", "--dataset", "xor", "--epochs", "2", "--device", "opencl,cpu"], environment: env)
        #expect(lenient.status == 0, "stderr: \(lenient.stderr)")
        #expect(lenient.stderr.contains("could not open") && lenient.stdout.contains("CPU (OpenBLAS"))
    }

    @Test("an OpenCL error mid-training is named; with a fallback device training goes on there",
          .enabled(if: TestDevices.runOpenCL, TestDevices.skipReason))
    func midTrainingFault() throws {
        let env = ["BACKPROP_FAULT_AFTER_OPERATIONS": "3000"]
        let args = ["train", "--dataset", "circles", "--epochs", "30", "--json"]
        let strict = try CLI.run(args + ["--device", "opencl"], environment: env)
        #expect(strict.status == 70)
        #expect(strict.stderr.contains("CL_OUT_OF_RESOURCES") && strict.stderr.contains("clEnqueueNDRangeKernel"))
        let lenient = try CLI.run(args + ["--device", "opencl,cpu"], environment: env)
        #expect(lenient.status == 0, "stderr: \(lenient.stderr)")
        #expect(lenient.stderr.contains("failed during training") && lenient.stderr.contains("continuing on CPU"))
        let json = try CLI.lastJSON(lenient)
        #expect(json["epochs"] as? Int == 30)
        #expect((json["train_accuracy"] as? Double ?? 0) > 0.9)
    }

    // MARK: Resources

    @Test("1,000 devices and networks created and released keep memory and OpenCL objects flat",
          arguments: TestDevices.kinds)
    func resourcesFlat(_ kind: DeviceKind) throws {
        let r = try CLI.run(["stress", "--iterations", "1000", "--device", kind == .cpu ? "cpu" : "opencl", "--json"],
                            timeout: 300)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let json = try CLI.lastJSON(r)
        let before = try #require(json["rss_before"] as? Int), after = try #require(json["rss_after"] as? Int)
        #expect(after - before < 16 << 20, "resident memory grew by \((after - before) >> 10) KiB over 1,000 cycles")
        #expect(json["opencl_objects_before"] as? Int == json["opencl_objects_after"] as? Int)
    }

    @Test("batch mode over 1,000,000 samples runs in bounded memory")
    func millionSamples() throws {
        func peak(_ n: Int) throws -> Int {
            let r = try CLI.run(["train", "--dataset", "circles:\(n)", "--mode", "batch", "--epochs", "1", "--layers", "2,16,2",
                                 "--validation", "0", "--json"], timeout: 300)
            #expect(r.status == 0, "stderr: \(r.stderr)")
            return try #require(try CLI.lastJSON(r)["peak_rss_bytes"] as? Int)
        }
        let small = try peak(100_000), large = try peak(1_000_000)
        // The data itself costs under 100 bytes a sample across its copies; work buffers are
        // chunked, so 900,000 more samples may not cost more than that (an unchunked pass
        // would need 1,000,000 × 16 units × 3 buffers × 4 bytes = 192 MB more).
        #expect(large - small < 90_000_000, "peak resident \(small >> 20) MiB → \(large >> 20) MiB")
        print("peak resident memory: 100,000 samples \(small >> 20) MiB, 1,000,000 samples \(large >> 20) MiB")
    }
}

/// A GEMM family whose kernels do not build on a device hands over to the other family, with
/// one line saying so, before any CPU fallback.
@Suite("GEMM family fallback", .enabled(if: TestDevices.runOpenCL, TestDevices.skipReason))
struct GEMMFamilyFallbackTests {
    @Test("the tiled family broken on purpose: the device builds the direct family and says so")
    func tiledBroken() throws {
        let info = try #require(try DeviceSelection.openCLDevices().first)
        let cache = try TempDir()
        // The device "tuned" to the tiled family, so that it is the family chosen for it.
        let key = [info.platformName, info.name, info.driverVersion].joined(separator: "|")
        let tiled = GEMMConfig.defaults(for: info, family: .tiled)
        try JSONEncoder().encode([key: tiled]).write(to: cache.url.appendingPathComponent("gemm-tuning.json"))
        let env = ["BACKPROP_CACHE_DIR": cache.url.path]
        let plain = try CLI.run(["train", "--dataset", "xor", "--epochs", "1", "--device", "opencl:\(info.index)"], environment: env)
        #expect(plain.status == 0 && !plain.stderr.contains("did not build"), "\(plain.stderr)")
        let broken = try CLI.run(["train", "--dataset", "xor", "--epochs", "1", "--device", "opencl:\(info.index)"],
                                 environment: env.merging(["BACKPROP_CL_OPTIONS": "-DBACKPROP_TEST_BREAK_TILED"]) { $1 })
        #expect(broken.status == 0, "\(broken.stderr)")
        #expect(broken.stderr.contains("the tiled GEMM kernels did not build") && broken.stderr.contains("using the direct family"),
                "\(broken.stderr)")
    }
}
