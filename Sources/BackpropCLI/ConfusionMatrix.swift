import Foundation

/// A confusion matrix as text, for as many classes as stay readable.
struct ConfusionMatrix {
    let counts: [[Int]]
    let names: [String]?

    /// The most classes printed as a matrix.
    static let readable = 12

    func print(title: String) {
        let k = counts.count
        let labels = (0..<k).map { oneLine(names?[safe: $0] ?? "\($0)", limit: 24) }
        let width = max(5, (counts.flatMap { $0 }.max() ?? 0).description.count + 1, (labels.map(\.count).max() ?? 1) + 1)
        say("confusion matrix, \(title) (rows: true class, columns: predicted):")
        say(String(repeating: " ", count: width + 2) + labels.map { pad($0, width) }.joined())
        for (i, row) in counts.enumerated() {
            say("  " + pad(labels[i], width) + row.map { pad("\($0)", width) }.joined())
        }
    }

    private func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
}
