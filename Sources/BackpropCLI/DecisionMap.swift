import Backprop
import Foundation

/// The classes a two-input network assigns across the plane of its training data, as text:
/// region letters in lower case, training samples as their class digit.
struct DecisionMap {
    let network: Network
    let data: Dataset
    let width = 64, height = 24

    func print() throws {
        // The extent in Double: inputs near ±Float.greatestFiniteMagnitude have a width that
        // overflows Float, and the cell arithmetic must stay finite.
        var lo = [Double](repeating: .infinity, count: 2), hi = [Double](repeating: -.infinity, count: 2)
        for i in 0..<data.count {
            for d in 0..<2 {
                lo[d] = min(lo[d], Double(data.inputs[i * 2 + d]))
                hi[d] = max(hi[d], Double(data.inputs[i * 2 + d]))
            }
        }
        for d in 0..<2 where !(hi[d] > lo[d]) { hi[d] = lo[d] + 1 }
        guard lo.allSatisfy(\.isFinite), hi.allSatisfy(\.isFinite) else { return }
        var grid = [Float]()
        for r in 0..<height {
            for c in 0..<width {
                grid.append(Float(lo[0] + (hi[0] - lo[0]) * (Double(c) + 0.5) / Double(width)))
                grid.append(Float(hi[1] - (hi[1] - lo[1]) * (Double(r) + 0.5) / Double(height)))
            }
        }
        let predicted = try network.predictClasses(grid)
        let regions = Array("abcdefghijklmnopqrstuvwxyz")
        var canvas = (0..<height).map { r in
            (0..<width).map { c -> Character in
                let cls = predicted[r * width + c]
                return cls % 2 == 0 ? "·" : regions[cls % regions.count]
            }
        }
        for i in 0..<data.count {
            let c = ((Double(data.inputs[i * 2]) - lo[0]) / (hi[0] - lo[0]) * Double(width - 1)).clampedInt(nan: -1)
            let r = ((hi[1] - Double(data.inputs[i * 2 + 1])) / (hi[1] - lo[1]) * Double(height - 1)).clampedInt(nan: -1)
            if r >= 0, r < height, c >= 0, c < width, let label = data.labels?[i] {
                canvas[r][c] = Character(String(Int(label) % 10))
            }
        }
        say("what it learned: the class of each point of the plane (regions ·/b/…; digits are training samples)")
        for row in canvas { say("  " + String(row)) }
    }
}
