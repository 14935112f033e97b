import ArgumentParser
import Backprop
import Foundation

/// `--model` and, for plain weights (a safetensors file with no Backprop metadata, as PyTorch
/// writes one), the network's activations and loss: evaluate, predict and export.
struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The model: a checkpoint written by `train --save`, or plain weights (layers.N.weight/bias or nn.Sequential's N.weight/bias, float32 or float64).",
                               valueName: "file"), completion: .file(extensions: ["safetensors"]))
    var model: String
    @Option(help: "For plain weights: the hidden-layer activation (default: relu).") var activation: Activation?
    @Option(help: "For plain weights: the output activation (default: the one the loss needs).") var output: Activation?
    @Option(help: "For plain weights: the loss (default: from the data as train chooses it; with no data, cross-entropy for two outputs or more, mse for one).")
    var loss: Loss?

    func read() throws -> ModelFile { try ModelFile.read(from: URL(fileURLWithPath: model)) }

    /// The choice for plain weights; `classification` says what the data holds, when there is data.
    func choice(classification: Bool?) -> NetworkChoice {
        NetworkChoice(activation: activation, output: output, loss: loss, classification: classification)
    }
}
