import ArgumentParser
import Backprop

/// `backprop help json` (and `backprop json`): the keys of every command's --json output.
/// A test runs each command with --json and checks that every key it writes is listed here.
struct JSONHelp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "json",
        abstract: "The keys of --json output, per command (also: backprop help json).",
        discussion: keys)

    static let keys = """
        With --json, standard output holds one JSON object on one line (predict: one per sample), \
        keys sorted; human lines go to standard error. Every object has "version" (Backprop's), \
        except predict's rows.

        train: dataset, device, architecture ("2,64,64,2 relu/softmax, cross-entropy"), \
        parameters, mode, optimizer, learning_rate (not for lm), lm_mu (lm's damping at the end), \
        epochs (completed), stop_reason, seconds, \
        samples_per_second, train_loss (the training loss on the training split after the last \
        epoch), final_epoch_loss (the mean loss during the last epoch), train_accuracy, \
        validation_loss, validation_accuracy (classification; validation_ with a held-out split), \
        train_mse, train_rmse, train_mae, train_r2, validation_mse, validation_rmse, \
        validation_mae, validation_r2 (regression), saved (the --save path, once written), \
        ranks, gradient_sums, gradient_sum_seconds (over MPI: rank 0's all-reduces of the \
        gradients and their seconds, waiting for the other ranks included), \
        peak_rss_bytes.

        evaluate: model, dataset, samples, architecture, device, loss, loss_function (the \
        training loss: cross-entropy, or for mse ½·the sum of squared errors per sample), \
        accuracy, macro {precision, recall, f1}, per_class [{class, name, support, predicted, \
        correct, precision, recall, f1}], confusion (rows: truth, columns: prediction; up to \
        12 classes), mse, rmse, mae, r2 (regression).

        predict (JSON lines, one per sample): sample; for classification class, name (when the \
        model stores class names), probabilities (the full vector; [1 − p, p] for one sigmoid \
        output); for regression outputs.

        export: model, onnx, architecture, bytes, opset, input, output.

        devices: cpu, auto (the device auto picks), opencl [{device, platform_index, \
        device_index, platform, name, type, vendor, compute_units, max_clock_mhz, \
        global_memory_bytes, max_allocation_bytes, local_memory_bytes, max_work_group_size, \
        opencl_version, opencl_c_version, driver_version, fp16, fp64; with --compile also \
        kernels, open_seconds, gemm_tiles}].

        check: device, gemm_family, gemm (OpenCL devices), quick, sections, passed, checks, \
        failed, parity_omitted (the CPU path, when parity was asked for), rows [{section (build, gemm, gradient, parity), name, \
        max_abs_error, max_ulp, error, tolerance, measure, passed, problem (when one is \
        not a size of error)}]; a NaN error and a NaN where a number belongs are null.

        bench: the report bench.json holds (machine, configuration, results; see BENCHMARKS.md). \
        tune: devices [{device, platform, driver, defaults, tuned, stored, tried, discarded, \
        seconds, shapes [{shape, defaults_gflops, tuned_gflops, openblas_gflops}]}] (--forget: \
        devices [{device, forgot}]). stress: iterations, device, seconds, rss_before, rss_after, \
        opencl_objects_before, opencl_objects_after.
        """

    func run() {
        print(Self.keys)
    }
}
