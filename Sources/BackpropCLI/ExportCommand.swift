import ArgumentParser
import Backprop
import BackpropONNX
import Foundation

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a saved model as an ONNX graph, for onnxruntime and the other ONNX runtimes.",
        discussion: """
            The graph (opset \(ONNXExport.opsetVersion)): input "\(ONNXExport.inputName)", float \
            [batch, inputs] with the batch dimension symbolic; the model's input normalisation as \
            Sub and Mul; a Gemm per layer and its activation (swish and mish built from Sigmoid, \
            Softplus, Tanh and Mul); output "\(ONNXExport.outputName)", float [batch, outputs]: \
            what predict prints (softmax or sigmoid probabilities, or the regression outputs). \
            The metadata holds the architecture, the class names and the Backprop version. The \
            file is replaced atomically.
            """)

    @OptionGroup var model: ModelOptions
    @Option(help: ArgumentHelp("The ONNX file to write.", valueName: "file"), completion: .file(extensions: ["onnx"]))
    var onnx: String
    @OptionGroup var console: OutputOptions

    func run() throws {
        console.apply()
        try runReportingErrors {
            let url = URL(fileURLWithPath: onnx)
            try OutputFile.check(url, as: .onnx)
            let checkpoint = try model.read().checkpoint(model.choice(classification: nil))
            let bytes = try ONNXExport.serialized(checkpoint)
            try OutputFile.write(bytes, to: url)
            let arch = checkpoint.architecture
            say("wrote \(onnx): \(arch.summary), opset \(ONNXExport.opsetVersion), \(bytes.count) bytes")
            if console.json {
                try Console.emit(json: ["model": model.model, "onnx": onnx, "architecture": arch.summary, "bytes": bytes.count,
                                        "opset": ONNXExport.opsetVersion, "input": ONNXExport.inputName,
                                        "output": ONNXExport.outputName, "version": BackpropVersion.current])
            }
        }
    }
}
