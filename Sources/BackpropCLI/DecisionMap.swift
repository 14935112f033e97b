import Backprop
import BackpropBench
import Foundation

/// The classes a two-input network assigns across the plane of its training data, as text:
/// region letters in lower case, training samples as their class digit.
struct DecisionMap {
    let network: Network
    let data: Dataset
    let width = 64, height = 24

    func print() throws {
        var lo = [Float](repeating: .infinity, count: 2), hi = [Float](repeating: -.infinity, count: 2)
        for i in 0..<data.count {
            for d in 0..<2 {
                lo[d] = min(lo[d], data.inputs[i * 2 + d])
                hi[d] = max(hi[d], data.inputs[i * 2 + d])
            }
        }
        for d in 0..<2 where hi[d] <= lo[d] { hi[d] = lo[d] + 1 }
        var grid = [Float]()
        for r in 0..<height {
            for c in 0..<width {
                grid.append(lo[0] + (hi[0] - lo[0]) * (Float(c) + 0.5) / Float(width))
                grid.append(hi[1] - (hi[1] - lo[1]) * (Float(r) + 0.5) / Float(height))
            }
        }
        let out = try network.predict(grid)
        let k = network.architecture.outputSize
        let regions = Array("abcdefghijklmnopqrstuvwxyz")
        var canvas = (0..<height).map { r in
            (0..<width).map { c -> Character in
                let cell = r * width + c
                let cls = Evaluation.predictedClass(out[(cell * k)..<((cell + 1) * k)])
                return cls % 2 == 0 ? "·" : regions[cls % regions.count]
            }
        }
        for i in 0..<data.count {
            let c = Int((data.inputs[i * 2] - lo[0]) / (hi[0] - lo[0]) * Float(width - 1))
            let r = Int((hi[1] - data.inputs[i * 2 + 1]) / (hi[1] - lo[1]) * Float(height - 1))
            if r >= 0, r < height, c >= 0, c < width, let label = data.labels?[i] {
                canvas[r][c] = Character(String(Int(label) % 10))
            }
        }
        Swift.print("what it learned: the class of each point of the plane (regions ·/b/…; digits are training samples)")
        for row in canvas { Swift.print("  " + String(row)) }
    }
}
