// The OpenCL C sources, embedded into the binary at build time (Package.swift:
// `resources: [.embedInCode(...)]`), so a moved or installed binary needs no files beside it.

/// The text of each kernel file. Every program is built from `common` followed by the
/// files it needs; `all` is the whole library in dependency order.
public enum KernelSource {
    public static let common = text(PackageResources.common_cl)
    public static let gemm = text(PackageResources.gemm_cl)
    public static let gemmDirect = text(PackageResources.gemm_direct_cl)
    public static let activations = text(PackageResources.activations_cl)
    public static let loss = text(PackageResources.loss_cl)
    public static let optimizers = text(PackageResources.optimizers_cl)
    public static let data = text(PackageResources.data_cl)
    public static let stochastic = text(PackageResources.stochastic_cl)
    /// The tiled GEMM family's per-vendor defaults (CLBlast's tuning database values), as JSON.
    public static let tiledDefaults = text(PackageResources.gemm_tiled_defaults_json)

    /// Element-wise kernels (activations, losses, optimizers, data movement) and the fused
    /// batch-of-one step (stochastic.cl, which uses the first three) in one program.
    public static let elementwise = [common, activations, loss, optimizers, data, stochastic].joined(separator: "\n")
    /// The matrix-product program; built once per set of tile parameters. The -D options
    /// choose the GEMM family: gemm.cl's tiled kernels, or gemm_direct.cl's with GEMM_DIRECT.
    public static let matrix = [common, gemm, gemmDirect].joined(separator: "\n")

    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
