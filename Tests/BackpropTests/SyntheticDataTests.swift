import Backprop
import Foundation
import BackpropTestSupport
import Testing

@Suite("Built-in generated sets")
struct SyntheticDataTests {
    @Test("xor: the four points, repeated to the count asked for")
    func xor() throws {
        let data = SyntheticData.xor()
        #expect(data.inputs == [0, 0, 0, 1, 1, 0, 1, 1])
        #expect(data.labels == [0, 1, 1, 0])
        #expect(data.classes == 2)
        #expect(try SyntheticData.make("xor", count: 6, seed: 9).labels == [0, 1, 1, 0, 0, 1])
    }

    @Test("every set is the same for a seed and differs between seeds", arguments: ["spirals", "circles", "sine", "mnist-like"])
    func seeded(name: String) throws {
        let a = try SyntheticData.make(name, count: 50, seed: 1)
        let b = try SyntheticData.make(name, count: 50, seed: 1)
        let c = try SyntheticData.make(name, count: 50, seed: 2)
        #expect(a.inputs == b.inputs && a.labels == b.labels && a.targets == b.targets)
        #expect(a.inputs != c.inputs)
        #expect(a.count == 50)
        #expect(a.inputs.allSatisfy { $0.isFinite })
    }

    @Test("spirals: two balanced classes in about [-1, 1], shuffled, of shrinking radius")
    func spirals() throws {
        let data = SyntheticData.spirals(seed: 3)
        let labels = try #require(data.labels)
        #expect(data.count == 400 && data.inputSize == 2 && data.classes == 2)
        #expect(labels.filter { $0 == 1 }.count == 200)
        #expect(data.inputs.allSatisfy { abs($0) < 1.1 })
        // Shuffled: the last tenth (a validation split) holds both classes.
        #expect(Set(labels.suffix(40)) == [0, 1])
        // Without noise, the two classes are point reflections of each other.
        let clean = SyntheticData.spirals(count: 4, noise: 0, seed: 0)
        let r = (0..<4).map { hypot(clean.inputs[2 * $0], clean.inputs[2 * $0 + 1]) }
        #expect(Set(r.map { ($0 * 1000).rounded() }) == [1000, 77])
    }

    @Test("circles: class 0 on the outer ring, class 1 on the inner one")
    func circles() throws {
        let data = SyntheticData.circles(count: 200, noise: 0, seed: 4)
        let labels = try #require(data.labels)
        for i in 0..<data.count {
            let r = hypot(Double(data.inputs[2 * i]), Double(data.inputs[2 * i + 1]))
            #expect(abs(r - (labels[i] == 0 ? 0.9 : 0.45)) < 1e-5)
        }
    }

    @Test("sine: inputs x/π in [-1, 1], targets sin(x)")
    func sine() throws {
        let data = SyntheticData.sine(count: 100, seed: 5)
        let targets = try #require(data.targets)
        #expect(!data.isClassification && data.targetSize == 1 && data.inputSize == 1)
        for i in 0..<100 {
            #expect(abs(data.inputs[i]) <= 1)
            #expect(abs(Double(targets[i]) - sin(Double(data.inputs[i]) * Double.pi)) < 1e-5)
        }
    }

    @Test("mnist-like: 784 inputs in [0, 1] on the 1/255 grid, 10 classes, each class near its prototype")
    func mnistLike() throws {
        let data = SyntheticData.mnistLike(count: 500, seed: 6)
        let labels = try #require(data.labels)
        #expect(data.inputSize == 784 && data.classes == 10 && data.count == 500)
        #expect(data.inputs.allSatisfy { $0 >= 0 && $0 <= 1 && abs(($0 * 255).rounded() - $0 * 255) < 1e-4 })
        #expect(Set(labels) == Set(0..<10))
        // Learnable: samples of one class share their inked pixels.
        let same = (0..<500).filter { labels[$0] == labels[0] }
        let inked = (0..<784).filter { data.inputs[same[0] * 784 + $0] > 0.5 }
        let shared = inked.filter { data.inputs[same[1] * 784 + $0] > 0.25 }
        #expect(inked.count > 100)
        #expect(Double(shared.count) > 0.8 * Double(inked.count)) // the rest is stray ink
    }

    @Test("make refuses unknown names, listing the valid ones, and counts out of range, as settings (usage)")
    func refusals() throws {
        expectConfigurationError([.dataset], "moons", "not a built-in data set", "xor, spirals, circles, sine, mnist-like") {
            try SyntheticData.make("moons", seed: 1)
        }
        expectConfigurationError([.dataset], "cannot have 0 samples", "1...") { try SyntheticData.make("spirals", count: 0, seed: 1) }
        expectConfigurationError([.dataset], "cannot have 400000 samples") {
            try SyntheticData.make("mnist-like", count: 400_000, seed: 1)
        }
        #expect(try SyntheticData.make("SPIRALS", seed: 1).count == 400)
    }
}
