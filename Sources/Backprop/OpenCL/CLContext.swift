import COpenCL
import Foundation
import Synchronization

/// One OpenCL context per device for the whole process, shared by every `OpenCLDevice` on
/// that device, with the programs built for it. Programs are cached in memory per source
/// and build options, and on disk as binaries (see `ProgramCache`), so that neither a
/// second device object nor a second run compiles again. Contexts live as long as the
/// process: they are few and cheap to keep, and costly to create.
final class CLContext: @unchecked Sendable {
    let info: OpenCLDeviceInfo
    let context: cl_context
    private let programs = Mutex<[String: cl_program]>([:])

    private static let registry = Mutex<[UInt: CLContext]>([:])

    /// The context for `info`'s device, created on first use.
    static func shared(for info: OpenCLDeviceInfo) throws(CLError) -> CLContext {
        let key = UInt(bitPattern: info.id)
        return try registry.withLock { (contexts) throws(CLError) -> CLContext in
            if let context = contexts[key] { return context }
            let context = try CLContext(info: info)
            contexts[key] = context
            return context
        }
    }

    private init(info: OpenCLDeviceInfo) throws(CLError) {
        self.info = info
        var status: cl_int = 0
        var device: cl_device_id? = info.id
        var properties: [cl_context_properties] = [
            cl_context_properties(CL_CONTEXT_PLATFORM),
            cl_context_properties(Int(bitPattern: UnsafeRawPointer(info.platformID))), 0,
        ]
        let context = clCreateContext(&properties, 1, &device, nil, nil, &status)
        try clCheck(status, "clCreateContext(\(info.name))")
        guard let context else { throw CLError(code: status, call: "clCreateContext(\(info.name))") }
        self.context = context
    }

    /// What building a program cost, for reports (`backprop devices --compile`, BENCHMARKS.md).
    struct BuildRecord: Sendable {
        enum Source: String, Sendable { case compiled, diskCache = "disk cache", memory }
        var source: Source
        var seconds: Double
    }

    /// The built program for `source` with `options`, from memory, the disk cache, or the
    /// compiler, in that order. A failed build throws with the driver's build log.
    func program(source: String, options: String) throws(CLError) -> (cl_program, BuildRecord) {
        let key = ProgramCache.key(device: info, source: source, options: options)
        return try programs.withLock { (built) throws(CLError) -> (cl_program, BuildRecord) in
            if let program = built[key] { return (program, BuildRecord(source: .memory, seconds: 0)) }
            let start = ContinuousClock.now
            var from = BuildRecord.Source.diskCache
            var program = ProgramCache.load(key: key).flatMap { try? buildFromBinary($0, options: options) }
            if program == nil {
                from = .compiled
                let compiled = try buildFromSource(source, options: options)
                program = compiled
                if let binary = binary(of: compiled) { ProgramCache.store(binary, key: key) }
            }
            built[key] = program!
            let seconds = (ContinuousClock.now - start).seconds
            return (program!, BuildRecord(source: from, seconds: seconds))
        }
    }

    private func buildFromSource(_ source: String, options: String) throws(CLError) -> cl_program {
        var status: cl_int = 0
        let program: cl_program? = source.withCString { text in
            var pointer: UnsafePointer<CChar>? = text
            var length = strlen(text)
            return clCreateProgramWithSource(context, 1, &pointer, &length, &status)
        }
        try clCheck(status, "clCreateProgramWithSource")
        guard let program else { throw CLError(code: status, call: "clCreateProgramWithSource") }
        try build(program, options: options, call: "clBuildProgram")
        return program
    }

    private func buildFromBinary(_ binary: [UInt8], options: String) throws(CLError) -> cl_program {
        var status: cl_int = 0
        var binaryStatus: cl_int = 0
        var device: cl_device_id? = info.id
        var length = binary.count
        let program: cl_program? = binary.withUnsafeBufferPointer { bytes in
            var pointer: UnsafePointer<UInt8>? = bytes.baseAddress
            return clCreateProgramWithBinary(context, 1, &device, &length, &pointer, &binaryStatus, &status)
        }
        try clCheck(status, "clCreateProgramWithBinary")
        try clCheck(binaryStatus, "clCreateProgramWithBinary")
        guard let program else { throw CLError(code: status, call: "clCreateProgramWithBinary") }
        do {
            try build(program, options: options, call: "clBuildProgram(binary)")
        } catch {
            clReleaseProgram(program)
            throw error
        }
        return program
    }

    private func build(_ program: cl_program, options: String, call: String) throws(CLError) {
        var device: cl_device_id? = info.id
        let status = clBuildProgram(program, 1, &device, options, nil, nil)
        if status != CL_SUCCESS {
            let log = buildLog(program)
            clReleaseProgram(program)
            throw CLError(code: status, call: "\(call) on \(info.name) with options '\(options)'", buildLog: log)
        }
    }

    private func buildLog(_ program: cl_program) -> String {
        var size = 0
        let param = cl_program_build_info(CL_PROGRAM_BUILD_LOG)
        guard clGetProgramBuildInfo(program, info.id, param, 0, nil, &size) == CL_SUCCESS, size > 1 else {
            return ""
        }
        var bytes = [UInt8](repeating: 0, count: size)
        guard clGetProgramBuildInfo(program, info.id, param, size, &bytes, nil) == CL_SUCCESS else { return "" }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// The compiled binary of a program built for this one device, if the driver offers one.
    private func binary(of program: cl_program) -> [UInt8]? {
        var size = 0
        guard clGetProgramInfo(program, cl_program_info(CL_PROGRAM_BINARY_SIZES),
                               MemoryLayout<Int>.size, &size, nil) == CL_SUCCESS, size > 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: size)
        let status = bytes.withUnsafeMutableBufferPointer { buffer in
            var pointer: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return clGetProgramInfo(program, cl_program_info(CL_PROGRAM_BINARIES),
                                    MemoryLayout<UnsafeMutablePointer<UInt8>>.size, &pointer, nil)
        }
        return status == CL_SUCCESS ? bytes : nil
    }
}
