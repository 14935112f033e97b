import Backprop
import BackpropBench
import BackpropTestSupport
import Testing

@Suite("BenchmarkConfiguration")
struct BenchmarkConfigurationTests {
    @Test("GEMM shapes: the squares, then the 784,1024,1024,10 step's products, as the peers list them")
    func gemmShapes() {
        let names = BenchmarkConfiguration().gemmShapes.map { "\($0.name) \($0.op.rawValue)" }
        #expect(Array(names.prefix(3)) == ["256×256×256 NN", "256×256×256 NT", "256×256×256 TN"])
        #expect(names.contains("2048×2048×2048 TN"))
        let step = ["256×1024×784 NT", "256×1024×1024 NT", "256×10×1024 NT", "1024×784×256 TN", "1024×1024×256 TN",
                    "10×1024×256 TN", "256×1024×1024 NN", "256×1024×10 NN"]
        #expect(Array(names[12..<20]) == step)
        // At batch 1024, three of the step's products are the 1024³ squares: measured once.
        #expect(names.count == 12 + 16 - 3)
        #expect(BenchmarkConfiguration.quick.gemmShapes.count == 2 + 8)
    }

    @Test("modes and nets as the tables and the peers write them, and back")
    func names() throws {
        let modes = BenchmarkConfiguration().modes.map(\.description)
        #expect(modes == ["stochastic", "minibatch-32", "minibatch-256", "minibatch-1024", "batch"])
        for m in modes { #expect(LearningMode(parsing: m)?.description == m) }
        #expect(BenchmarkConfiguration().nets.map { LayerSizes($0).description } == ["784,128,10", "784,1024,1024,10"])
        #expect(BenchmarkConfiguration.Section(name: "accuracy") == .accuracy)
        #expect(BenchmarkConfiguration.Section(name: "time-to-accuracy") == .accuracy)
    }

    @Test("the profiles validate; settings that cannot run are refused")
    func validation() throws {
        for c in [BenchmarkConfiguration(), .quick, .smoke] { try c.validate() }
        var c = BenchmarkConfiguration.quick
        c.nets = [[100, 10]]
        #expect(throws: ConfigurationError.self) { try c.validate() }
        c = .quick
        c.modes = [.minibatch(10_000)]
        #expect(throws: ConfigurationError.self) { try c.validate() }
        c = .quick
        c.sections = []
        #expect(throws: ConfigurationError.self) { try c.validate() }
        for squares in [[0], [16_385]] {
            c = .quick
            c.gemmSquares = squares
            #expect(throws: ConfigurationError.self) { try c.validate() }
        }
    }
}
