import Backprop
import Foundation
import FuzzerDriver

/// libFuzzer entry for the safetensors decoder: what decodes must encode and decode again to
/// the same tensors. Success or a DataError is fine; anything else traps, which libFuzzer
/// reports as a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeBufferPointer(start: start, count: count))
    do {
        let file = try SafeTensors.decode(bytes, source: "fuzz")
        guard try SafeTensors.decode(file.encode()) == file else { fatalError("does not round-trip") }
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
