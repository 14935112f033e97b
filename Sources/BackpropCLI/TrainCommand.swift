import ArgumentParser
import Backprop

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train a network.")
    func run() throws {}
}
struct Evaluate: ParsableCommand {
    func run() throws {}
}
struct Predict: ParsableCommand {
    func run() throws {}
}
