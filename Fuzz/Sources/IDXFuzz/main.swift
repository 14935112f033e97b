import Backprop
import Foundation
import FuzzerDriver

/// libFuzzer entry for the IDX reader. The input is a flags byte, a big-endian 16-bit length
/// n, then n bytes of images file and the rest as the labels file; flag bit 0 gzips the
/// images, bit 1 the labels, bit 2 reads the images unscaled. Success or a DataError is fine;
/// anything else traps, which libFuzzer reports as a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeBufferPointer(start: start, count: count))
    guard bytes.count >= 3 else { return 0 }
    let flags = bytes[0]
    let n = min(Int(bytes[1]) << 8 | Int(bytes[2]), bytes.count - 3)
    var images = Data(bytes[3..<(3 + n)]), labels = Data(bytes[(3 + n)...])
    do {
        if flags & 1 != 0 { images = try Gzip.compress(images, level: 1) }
        if flags & 2 != 0 { labels = try Gzip.compress(labels, level: 1) }
        _ = try IDX.decode(images: images, named: "images", labels: labels, named: "labels", scale: flags & 4 == 0)
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
