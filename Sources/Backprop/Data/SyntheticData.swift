import Foundation

/// Built-in generated sets, each the same for a given seed on every machine (all randomness
/// comes from `SeededGenerator`). Samples are shuffled, so the last ones (the validation split)
/// are as representative as any.
public enum SyntheticData {
    /// The names `make` accepts.
    public static let names = ["xor", "spirals", "circles", "sine", "mnist-like"]

    /// A generated set by name; `count` is the total number of samples (nil: the set's default).
    /// Unknown names and counts outside 1...`maxCount(name)` are refused.
    public static func make(_ name: String, count: Int? = nil, seed: UInt64) throws -> Dataset {
        let key = name.lowercased()
        let spec = count.map { "\(name):\($0)" } ?? name
        guard names.contains(key) else {
            throw ConfigurationError(.dataset, spec, "is not a built-in data set; expected one of \(names.joined(separator: ", "))")
        }
        if let count, !(1...maxCount(key)).contains(count) {
            throw ConfigurationError(.dataset, spec, "cannot have \(count) samples; expected a count in 1...\(maxCount(key))")
        }
        let bytes = (count ?? 60_000) * (key == "mnist-like" ? 784 : 2) * 4
        if let why = MemoryBudget.shortfall(bytes) {
            throw ConfigurationError(.dataset, spec, "would need \(bytes) bytes; \(why)")
        }
        switch key {
        case "xor": return xor(count: count ?? 4)
        case "spirals": return spirals(count: count ?? 400, seed: seed)
        case "circles": return circles(count: count ?? 400, seed: seed)
        case "sine": return sine(count: count ?? 256, seed: seed)
        default: return mnistLike(count: count ?? 60_000, seed: seed)
        }
    }

    /// The largest count `make` accepts for `name` (inputs stay under 2^28 Floats, 1 GiB).
    public static func maxCount(_ name: String) -> Int {
        name.lowercased() == "mnist-like" ? (1 << 28) / 784 : 10_000_000
    }

    /// The four XOR points, (0,0)→0, (0,1)→1, (1,0)→1, (1,1)→0, repeated in that order to
    /// `count` samples. Inputs: count × 2 in {0, 1}; 2 classes.
    public static func xor(count: Int = 4) -> Dataset {
        precondition(count > 0, "count must be positive")
        let corners: [(Float, Float, Int32)] = [(0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 0)]
        var inputs: [Float] = [], labels: [Int32] = []
        for i in 0..<count {
            let c = corners[i % 4]
            inputs += [c.0, c.1]
            labels.append(c.2)
        }
        return Dataset(source: "xor", inputSize: 2, inputs: inputs, labels: labels, classes: 2)
    }

    /// Two interleaved spirals (Lang & Witbrock's benchmark: three turns each, radius shrinking
    /// from 1 to 8/104), `count` points alternating between the classes, with Gaussian noise of
    /// standard deviation `noise`. Inputs: count × 2, roughly in [-1, 1]; 2 classes. A 2-32-32-2
    /// tanh network needs on the order of a thousand full-batch Adam steps to pass 95%.
    public static func spirals(count: Int = 400, noise: Double = 0.02, seed: UInt64) -> Dataset {
        precondition(count > 0, "count must be positive")
        var rng = SeededGenerator(seed: seed)
        let perClass = (count + 1) / 2
        var inputs = [Float](repeating: 0, count: 2 * count), labels = [Int32](repeating: 0, count: count)
        for i in 0..<count {
            let t = perClass > 1 ? Double(i / 2) / Double(perClass - 1) : 0
            let angle = t * 6 * Double.pi, radius = (104 - 96 * t) / 104
            let sign: Double = i % 2 == 0 ? -1 : 1
            inputs[2 * i] = Float(sign * radius * sin(angle) + noise * rng.normal())
            inputs[2 * i + 1] = Float(sign * radius * cos(angle) + noise * rng.normal())
            labels[i] = Int32(i % 2)
        }
        return shuffled(Dataset(source: "spirals (seed \(seed))", inputSize: 2, inputs: inputs, labels: labels, classes: 2),
                        &rng)
    }

    /// Two concentric circles, radius 0.9 (class 0) and 0.45 (class 1), points at uniform
    /// angles with Gaussian noise of standard deviation `noise` on each coordinate.
    /// Inputs: count × 2, roughly in [-1, 1]; 2 classes.
    public static func circles(count: Int = 400, noise: Double = 0.05, seed: UInt64) -> Dataset {
        precondition(count > 0, "count must be positive")
        var rng = SeededGenerator(seed: seed)
        var inputs = [Float](repeating: 0, count: 2 * count), labels = [Int32](repeating: 0, count: count)
        for i in 0..<count {
            let radius = i % 2 == 0 ? 0.9 : 0.45
            let angle = rng.uniform(0, 2 * Double.pi)
            inputs[2 * i] = Float(radius * cos(angle) + noise * rng.normal())
            inputs[2 * i + 1] = Float(radius * sin(angle) + noise * rng.normal())
            labels[i] = Int32(i % 2)
        }
        return shuffled(Dataset(source: "circles (seed \(seed))", inputSize: 2, inputs: inputs, labels: labels, classes: 2),
                        &rng)
    }

    /// Regression: x uniform in [-π, π], input x/π in [-1, 1], target sin(x).
    /// Inputs: count × 1; targets: count × 1.
    public static func sine(count: Int = 256, seed: UInt64) -> Dataset {
        precondition(count > 0, "count must be positive")
        var rng = SeededGenerator(seed: seed)
        var inputs = [Float](repeating: 0, count: count), targets = [Float](repeating: 0, count: count)
        for i in 0..<count {
            let u = rng.uniform(-1, 1)
            inputs[i] = Float(u)
            targets[i] = Float(sin(u * Double.pi))
        }
        return Dataset(source: "sine (seed \(seed))", inputSize: 1, inputs: inputs, targets: targets, targetSize: 1)
    }

    /// MNIST-shaped data for benchmarks: count × 784 inputs in [0, 1] (multiples of 1/255),
    /// labels uniform in 0..<10. Each class has a fixed random prototype (about a fifth of the
    /// pixels inked); a sample is its class's prototype with noise, so it is learnable.
    /// Byte arithmetic and a lookup table keep it fast (60,000 samples well under a second).
    public static func mnistLike(count: Int = 60_000, seed: UInt64) -> Dataset {
        precondition(count > 0, "count must be positive")
        let n = 784, classes = 10
        var rng = SeededGenerator(seed: seed)
        var prototypes = [UInt8](repeating: 0, count: classes * n)
        for i in prototypes.indices {
            let r = rng.next()
            prototypes[i] = r & 0xFF < 51 ? UInt8(truncatingIfNeeded: r >> 8) | 0x80 : 0
        }
        var table = [Float](repeating: 0, count: 256)
        for b in 0..<256 { table[b] = Float(b) / 255 }
        var labels = [Int32](repeating: 0, count: count)
        for i in 0..<count { labels[i] = Int32(rng.index(below: classes)) }
        let inputs = [Float](unsafeUninitializedCapacity: count * n) { out, initialized in
            prototypes.withUnsafeBufferPointer { proto in
                table.withUnsafeBufferPointer { level in
                    for i in 0..<count {
                        let p = Int(labels[i]) * n, row = i * n
                        for block in stride(from: 0, to: n, by: 8) {
                            var r = rng.next()
                            for j in block..<(block + 8) {
                                let noise = UInt8(truncatingIfNeeded: r), ink = proto[p + j]
                                r >>= 8
                                // Inked pixels lose up to 63 levels; background is stray ink 1 time in 20.
                                let byte = ink != 0 ? ink &- (noise & 0x3F) : (noise < 13 ? noise &* 16 : 0)
                                out[row + j] = level[Int(byte)]
                            }
                        }
                    }
                }
            }
            initialized = count * n
        }
        return Dataset(source: "mnist-like \(count) (seed \(seed))", inputSize: n, inputs: inputs,
                       labels: labels, classes: classes)
    }

    /// `data` with its samples in a random order (Fisher–Yates).
    static func shuffled(_ data: Dataset, _ rng: inout SeededGenerator) -> Dataset {
        guard var labels = data.labels else { return data }
        var inputs = data.inputs
        let n = data.inputSize
        for i in stride(from: data.count - 1, to: 0, by: -1) {
            let j = rng.index(below: i + 1)
            labels.swapAt(i, j)
            for k in 0..<n { inputs.swapAt(i * n + k, j * n + k) }
        }
        var result = data
        result.inputs = inputs
        result.labels = labels
        return result
    }
}
