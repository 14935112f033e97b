import Backprop
import Foundation
import SwiftProtobuf

/// A trained network as an ONNX model, for onnxruntime, TensorRT, OpenVINO and the other
/// runtimes that read ONNX.
///
/// The graph: one input, `input`, float `[batch, inputs]` with the batch dimension symbolic;
/// the input normalisation as `Sub` (offset) and `Mul` (scale), when the model has one; per
/// layer a `Gemm` with `transB = 1` (the weight is `out × in`, as stored) and the layer's
/// activation as ONNX operators; one output, `output`, float `[batch, outputs]`: what
/// `backprop predict` prints (the softmax or sigmoid probabilities of a classifier, the
/// outputs of a regression). Operators of opset 13 only (ONNX's default domain); swish and mish,
/// which have no operator there, are built from `Sigmoid`, `Softplus`, `Tanh` and `Mul`.
/// The model's metadata holds the architecture, the class names and the Backprop version.
public enum ONNXExport {
    /// The operator set the graph is written for.
    public static let opsetVersion: Int64 = 13
    /// ONNX IR version 7 goes with opset 13 (onnx/helper.py's VERSION_TABLE: release 1.8).
    public static let irVersion: Int64 = 7
    public static let inputName = "input"
    public static let outputName = "output"
    /// A protobuf message cannot exceed 2 GiB; the weights are stored inside it.
    static let byteLimit = Int(Int32.max) - (1 << 20)

    /// The model's bytes (a serialized `onnx.ModelProto`).
    public static func serialized(_ checkpoint: Checkpoint, graphName: String = "backprop") throws -> [UInt8] {
        let bytes = checkpoint.architecture.parameterCount * 4 + (checkpoint.normalization?.inputSize ?? 0) * 8
        guard bytes < byteLimit else {
            throw ConfigurationError("the network (\(checkpoint.architecture.summary)) holds \(bytes) bytes of weights; "
                                     + "an ONNX file holds at most 2 GiB without external data, which this exporter does not write")
        }
        let model = try self.model(checkpoint, graphName: graphName)
        return try model.serializedBytes()
    }

    static func model(_ checkpoint: Checkpoint, graphName: String) throws -> Onnx_ModelProto {
        var builder = GraphBuilder()
        let arch = checkpoint.architecture
        var current = inputName
        if let n = checkpoint.normalization, n.kind != .none {
            current = builder.node("Sub", [current, builder.constant("normalization.offset", n.offset, [n.inputSize])])
            current = builder.node("Mul", [current, builder.constant("normalization.scale", n.scale, [n.inputSize])])
        }
        for l in 0..<arch.layerCount {
            let (fanIn, units) = (arch.inputs(ofLayer: l), arch.units(ofLayer: l))
            let w = Array(checkpoint.parameters[arch.weightOffset(l)..<(arch.weightOffset(l) + units * fanIn)])
            let b = Array(checkpoint.parameters[arch.biasOffset(l)..<(arch.biasOffset(l) + units)])
            let weight = builder.constant("layers.\(l).weight", w, [units, fanIn])
            let bias = builder.constant("layers.\(l).bias", b, [units])
            current = builder.node("Gemm", [current, weight, bias], name: "layers.\(l)", attributes: [.int("transB", 1)])
            current = builder.activation(arch.activations[l], current, layer: l)
        }
        builder.graph.output.append(valueInfo(outputName, columns: arch.outputSize))
        builder.rename(current, to: outputName)
        builder.graph.name = graphName
        builder.graph.input = [valueInfo(inputName, columns: arch.inputSize)]
        builder.graph.docString = "Backprop \(BackpropVersion.current): \(arch.summary)"

        var model = Onnx_ModelProto()
        model.irVersion = irVersion
        model.producerName = "backprop"
        model.producerVersion = BackpropVersion.current
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = opsetVersion
        model.opsetImport = [opset]
        model.graph = builder.graph
        var properties = [("architecture", arch.summary), ("backprop_version", BackpropVersion.current)]
        if let names = checkpoint.classNames,
           let json = try? JSONSerialization.data(withJSONObject: names, options: [.withoutEscapingSlashes]) {
            properties.append(("class_names", String(decoding: json, as: UTF8.self)))
        }
        model.metadataProps = properties.map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
        return model
    }

    /// A float tensor `[batch, columns]`, the batch dimension symbolic.
    static func valueInfo(_ name: String, columns: Int) -> Onnx_ValueInfoProto {
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = "batch"
        var width = Onnx_TensorShapeProto.Dimension()
        width.dimValue = Int64(columns)
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.shape.dim = [batch, width]
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type.tensorType = tensor
        return info
    }
}

/// Nodes and initializers appended in order, with unique value names.
struct GraphBuilder {
    var graph = Onnx_GraphProto()
    private var counter = 0

    enum Attribute {
        case int(String, Int64)
        case float(String, Float)

        var proto: Onnx_AttributeProto {
            var a = Onnx_AttributeProto()
            switch self {
            case .int(let name, let value):
                a.name = name
                a.type = .int
                a.i = value
            case .float(let name, let value):
                a.name = name
                a.type = .float
                a.f = value
            }
            return a
        }
    }

    /// An initializer of float32 values (little-endian raw data, as ONNX stores them); its name.
    mutating func constant(_ name: String, _ values: [Float], _ shape: [Int]) -> String {
        var t = Onnx_TensorProto()
        t.name = name
        t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        t.dims = shape.map(Int64.init)
        var raw = Data(capacity: values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
        t.rawData = raw
        graph.initializer.append(t)
        return name
    }

    /// A node of `op` on `inputs`; the name of its one output.
    mutating func node(_ op: String, _ inputs: [String], name: String? = nil, attributes: [Attribute] = []) -> String {
        counter += 1
        var n = Onnx_NodeProto()
        n.opType = op
        n.name = name ?? "\(op.lowercased())_\(counter)"
        n.input = inputs
        n.output = [n.name]  // names are unique: the layer's, or the operator's and a counter
        n.attribute = attributes.map(\.proto)
        graph.node.append(n)
        return n.output[0]
    }

    /// `activation` applied to `x`; the name of the result (`x` itself for identity).
    mutating func activation(_ activation: Activation, _ x: String, layer: Int) -> String {
        let name = "layers.\(layer).\(activation.name)"
        switch activation {
        case .identity: return x
        case .sigmoid: return node("Sigmoid", [x], name: name)
        case .tanh: return node("Tanh", [x], name: name)
        case .relu: return node("Relu", [x], name: name)
        case .leakyReLU(let alpha): return node("LeakyRelu", [x], name: name, attributes: [.float("alpha", alpha)])
        case .elu(let alpha): return node("Elu", [x], name: name, attributes: [.float("alpha", alpha)])
        case .softplus: return node("Softplus", [x], name: name)
        case .swish: return node("Mul", [x, node("Sigmoid", [x], name: name + ".sigmoid")], name: name)
        case .mish:
            let soft = node("Softplus", [x], name: name + ".softplus")
            return node("Mul", [x, node("Tanh", [soft], name: name + ".tanh")], name: name)
        case .softmax: return node("Softmax", [x], name: name, attributes: [.int("axis", 1)])
        }
    }

    /// Gives the value `old` the name `new`: where a node makes it, its output is renamed;
    /// where it is the graph input itself (a network with no nodes cannot happen: every layer
    /// has a Gemm), nothing is.
    mutating func rename(_ old: String, to new: String) {
        for i in graph.node.indices {
            for j in graph.node[i].output.indices where graph.node[i].output[j] == old { graph.node[i].output[j] = new }
            for j in graph.node[i].input.indices where graph.node[i].input[j] == old { graph.node[i].input[j] = new }
        }
    }
}
