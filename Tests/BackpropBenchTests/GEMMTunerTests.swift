import Backprop
import BackpropBench
import Foundation
import BackpropTestSupport
import Testing

/// The tuner's verification on explicit configurations of both kernel families, opened
/// through `OpenCLDevice(info, gemmConfig:)`: the GEMM tests run only the device's default
/// configuration, these run the others a tuned device might use, on sizes that are not
/// multiples of any tile, with offsets, padded strides and beta both zero and not.
@Suite("GEMM configurations and the tuner's verification")
struct GEMMTunerTests {
    struct Candidate: CustomTestStringConvertible, Sendable {
        var name: String
        var config: GEMMConfig
        var testDescription: String { name }
    }

    static let candidates: [Candidate] = GEMMConfig.Tiled.vendorDefaults.map {
        Candidate(name: "tiled, \($0.vendor)'s default", config: GEMMConfig(tiled: $0.tiled, gemvGroup: 64))
    } + [
        // Global reads without local slabs, strided tiles, scalar loads, K unrolled by 8, and
        // the skinny kernel off: the tiled kernel on every small shape.
        Candidate(name: "tiled 16×32×16, no local slabs, strided, scalar, KWI 8, skinny off",
                  config: GEMMConfig(tiled: .init(mwg: 16, nwg: 32, kwg: 16, mdimc: 8, ndimc: 8, mdima: 8, ndimb: 8,
                                                  kwi: 8, vwm: 1, vwn: 1, strm: true, strn: true, sa: false, sb: false,
                                                  skinny: 0), gemvGroup: 8)),
        // An 8×8 register tile of 8-wide vectors; A' staged, B' read from global.
        Candidate(name: "tiled 128×64×32, 8×8 per item, VW 8, SA only",
                  config: GEMMConfig(tiled: .init(mwg: 128, nwg: 64, kwg: 32, mdimc: 16, ndimc: 8, mdima: 16, ndimb: 8,
                                                  kwi: 2, vwm: 8, vwn: 8, strm: false, strn: true, sa: true, sb: false,
                                                  skinny: 8), gemvGroup: 64)),
        Candidate(name: "direct defaults", config: GEMMConfig(direct: .init())),
        Candidate(name: "direct VW4 5×2 2×3, always packed, mad",
                  config: GEMMConfig(direct: .init(vw: 4, om: 5, on: 2, dm: 2, dn: 3, lm: 1, ln: 2, fused: false,
                                                   packNN: 1, packNT: 1, packTN: 1), gemvGroup: 4)),
        Candidate(name: "direct VW16 4×1 4×3, never packed",
                  config: GEMMConfig(direct: .init(vw: 16, om: 4, on: 1, dm: 4, dn: 3, lm: 2, ln: 8,
                                                   packNN: nil, packNT: nil, packTN: nil), gemvGroup: 32)),
    ]

    static let sizes = [1, 3, 17, 33, 100, 257]
    /// Each size in each of m, n and k, for NN, NT and TN.
    static let shapes: [GEMMShape] = [GEMMOp.nn, .nt, .tn].flatMap { op in
        sizes.indices.map { i in GEMMShape(m: sizes[i], n: sizes[(i + 2) % 6], k: sizes[(i + 4) % 6], op: op) }
    }

    @Test("every shape verifies", .enabled(if: TestDevices.runOpenCL, TestDevices.skipReason), arguments: candidates)
    func verifies(_ c: Candidate) throws {
        let info = try DeviceSelection.openCLInfo(.opencl(.best))
        try #require(c.config.fits(info), "\(c.config) does not fit \(info.name)")
        let device = try OpenCLDevice(info, gemmConfig: c.config)
        #expect(device.gemmConfig == c.config, "\(device.familyFallback ?? "")")
        for s in Self.shapes {
            let wrong = try GEMMTuner.verify(device, s)
            #expect(wrong == nil, "\(c.config): \(wrong ?? "")")
        }
    }

    /// The tuner's tiled search space: CLBlast's values, every member buildable (valid), all
    /// of its axes present; and a seeded sample of it verifies on the suites' device.
    @Test("the tiled search space is CLBlast's, and a sample of it verifies")
    func tiledSearchSpace() throws {
        let space = GEMMConfig.Tiled.searchSpace
        #expect(space.count > 1000)
        #expect(space.allSatisfy { $0.invalidReason == nil })
        #expect(Set(space).count == space.count)
        #expect(space.contains { $0.mwg / $0.mdimc == 8 && $0.nwg / $0.ndimc == 8 })
        #expect(Set(space.map(\.vwm)) == [1, 2, 4, 8] && Set(space.map(\.vwn)) == [1, 2, 4, 8])
        #expect(space.contains { !$0.sa && !$0.sb } && space.contains { $0.strm && $0.strn })
        // Every vendor default of the shipped table is valid and reads back in CLBlast's order.
        let defaults = GEMMConfig.Tiled.vendorDefaults
        #expect(defaults.count == 7 && defaults.last?.vendor == "default")
        for d in defaults { #expect(d.tiled.invalidReason == nil, "\(d.vendor): \(d.tiled)") }
        guard TestDevices.runOpenCL else { return }
        let info = try DeviceSelection.openCLInfo(.opencl(.best))
        var rng = SeededGenerator(seed: 2026)
        let fitting = space.filter { GEMMConfig(tiled: $0).fits(info) }
        for _ in 0..<3 {
            let config = GEMMConfig(tiled: fitting[rng.index(below: fitting.count)], gemvGroup: 16)
            let device = try OpenCLDevice(info, gemmConfig: config)
            #expect(device.gemmConfig == config, "\(device.familyFallback ?? "")")
            for s in [GEMMShape.nn(33, 100, 65), .nt(100, 33, 65), .tn(65, 100, 33)] {
                let wrong = try GEMMTuner.verify(device, s)
                #expect(wrong == nil, "\(config): \(wrong ?? "")")
            }
        }
    }

    @Test("verification catches a wrong product")
    func catchesWrongResults() throws {
        #expect(try GEMMTuner.verify(CPUDevice(), .nn(33, 17, 100)) == nil)
        for s in [GEMMShape.nn(33, 17, 100), .nt(3, 1, 17), .tn(100, 33, 1)] {
            #expect(try GEMMTuner.verify(Skewed(), s) != nil, "\(s)")
        }
    }

    @Test("configurations round-trip through JSON, and old files still decode")
    func coding() throws {
        for c in Self.candidates.map(\.config) {
            let data = try JSONEncoder().encode(c)
            #expect(try JSONDecoder().decode(GEMMConfig.self, from: data) == c)
        }
        // Written before the direct family existed: a tiled configuration.
        let old = #"{"tm":64,"tn":64,"tk":16,"wm":4,"wn":4,"gemvGroup":64}"#
        let decoded = try JSONDecoder().decode(GEMMConfig.self, from: Data(old.utf8))
        #expect(decoded == GEMMConfig(tiled: .init(mwg: 64, nwg: 64, kwg: 16, mdimc: 16, ndimc: 16, mdima: 16, ndimb: 16,
                                                   kwi: 1, vwm: 1, vwn: 1, strm: true, strn: true, sa: true, sb: true),
                                      gemvGroup: 64))
        // A direct configuration without pack thresholds takes the defaults; null means never.
        let partial = #"{"family":"direct","direct":{"vw":4,"packNT":null},"gemvGroup":16}"#
        let direct = try JSONDecoder().decode(GEMMConfig.self, from: Data(partial.utf8)).direct
        #expect(direct.vw == 4 && direct.om == GEMMConfig.Direct().om)
        #expect(direct.packNN == GEMMConfig.Direct().packNN && direct.packNT == nil)
    }
}

/// The CPU path with products off by one part in a thousand: verification must reject it.
private final class Skewed: Device {
    let base = CPUDevice()
    var name: String { "skewed " + base.name }
    var kind: DeviceKind { base.kind }
    func makeBuffer(count: Int) throws -> DeviceBuffer { try base.makeBuffer(count: count) }
    func upload(_ source: UnsafeRawBufferPointer, to destination: BufferRef) throws {
        try base.upload(source, to: destination)
    }
    func download(_ source: BufferRef, into destination: UnsafeMutableRawBufferPointer) throws {
        try base.download(source, into: destination)
    }
    func fill(_ destination: BufferRef, count: Int, with value: Float) throws {
        try base.fill(destination, count: count, with: value)
    }
    func copy(_ source: BufferRef, to destination: BufferRef, count: Int) throws {
        try base.copy(source, to: destination, count: count)
    }
    func synchronize() throws { try base.synchronize() }
    func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: BufferRef, lda: Int,
              b: BufferRef, ldb: Int, beta: Float, c: BufferRef, ldc: Int) throws {
        try base.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha * 1.001, a: a, lda: lda,
                      b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
    func biasActivation(rows: Int, cols: Int, z: BufferRef, bias: BufferRef, a: BufferRef,
                        activation: Activation) throws { fatalError("not used") }
    func rowOuterProducts(rows: Int, m: Int, n: Int, x: BufferRef, ldx: Int, y: BufferRef, ldy: Int,
                          into out: BufferRef, ldo: Int) throws { fatalError("not used") }
    func activationBackward(count: Int, dA: BufferRef, z: BufferRef, a: BufferRef,
                            activation: Activation) throws { fatalError("not used") }
    func columnSums(rows: Int, cols: Int, dZ: BufferRef, into db: BufferRef, alpha: Float, beta: Float) throws {
        fatalError("not used")
    }
    func axpby(count: Int, alpha: Float, x: BufferRef, beta: Float, y: BufferRef) throws { fatalError("not used") }
    func outputDelta(loss: Loss, activation: Activation, rows: Int, cols: Int, z: BufferRef, a: BufferRef,
                     targets: OutputTargets, dZ: BufferRef?, scale: Float, lossOut: BufferRef,
                     correctOut: BufferRef) throws { fatalError("not used") }
    func gatherRows(rows: Int, cols: Int, source: BufferRef, indices: BufferRef,
                    into destination: BufferRef) throws { fatalError("not used") }
    func update(_ rule: UpdateRule, parameters: BufferRef, gradients: BufferRef, state: [DeviceBuffer],
                count: Int, decayCount: Int) throws { fatalError("not used") }
    func checkFinite(_ values: BufferRef, count: Int, flag: BufferRef) throws { fatalError("not used") }
}
