import Backprop
import Foundation
import FuzzerDriver

/// libFuzzer entry for checkpoint reading: the input is a safetensors file, read as a
/// Backprop checkpoint. Success or a DataError is fine; anything else traps, which libFuzzer
/// reports as a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeBufferPointer(start: start, count: count))
    do {
        let checkpoint = try Checkpoint(SafeTensors.decode(bytes, source: "fuzz"), source: "fuzz")
        guard checkpoint.parameters.count == checkpoint.architecture.parameterCount else { fatalError("parameters do not fit") }
        _ = try checkpoint.encoded().encode()
    } catch is DataError {
    } catch {
        fatalError("not a DataError: \(error)")
    }
    return 0
}

// This file's top-level code is the program's main (see Package.swift): run libFuzzer.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzz))
