import BackpropKernels
import COpenCL
import Foundation

/// The element-wise kernel objects of one `OpenCLDevice`.
struct ElementwiseKernels {
    let biasActivation, biasSoftmax, activationBackward, columnSums, outputDelta: CLKernel
    let sgd, momentum, adam, rprop, quickprop, axpby, gatherRows, rowOuterProducts, checkFinite, empty: CLKernel
    /// The fused batch-of-one step (stochastic.cl; `OpenCLStochasticStep`).
    let stepForward, stepOutput, stepBackprop, stepChunk: CLKernel

    init(elementwise e: cl_program) throws(CLError) {
        biasActivation = try CLKernel(program: e, name: "bias_activation")
        biasSoftmax = try CLKernel(program: e, name: "bias_softmax")
        activationBackward = try CLKernel(program: e, name: "activation_backward")
        columnSums = try CLKernel(program: e, name: "column_sums")
        outputDelta = try CLKernel(program: e, name: "output_delta")
        sgd = try CLKernel(program: e, name: "sgd_update")
        momentum = try CLKernel(program: e, name: "momentum_update")
        adam = try CLKernel(program: e, name: "adam_update")
        rprop = try CLKernel(program: e, name: "rprop_update")
        quickprop = try CLKernel(program: e, name: "quickprop_update")
        axpby = try CLKernel(program: e, name: "axpby")
        gatherRows = try CLKernel(program: e, name: "gather_rows")
        rowOuterProducts = try CLKernel(program: e, name: "row_outer_products")
        checkFinite = try CLKernel(program: e, name: "check_finite")
        empty = try CLKernel(program: e, name: "empty")
        stepForward = try CLKernel(program: e, name: "step_forward")
        stepOutput = try CLKernel(program: e, name: "step_output")
        stepBackprop = try CLKernel(program: e, name: "step_backprop")
        stepChunk = try CLKernel(program: e, name: "step_chunk")
    }
}
