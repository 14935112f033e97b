import Backprop
import Foundation
import FuzzerDriver

/// libFuzzer entry for the CSV reader. The first byte picks the label column, the task, the
/// delimiter and the header setting; the rest is the file. Success or a DataError is fine;
/// anything else traps, which libFuzzer reports as a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeBufferPointer(start: start, count: count))
    guard let choice = bytes.first.map(Int.init) else { return 0 }
    let columns: [CSV.Column] = [.last, .first, .index(1), .name("label")]
    let tasks: [CSV.Task] = [.classification, .regression(targets: [.last]), .unlabelled, .regression(targets: [.first, .index(1)])]
    let delimiters: [CSV.Delimiter] = [.comma, .auto, .semicolon, .tab]
    let headers: [CSV.Header] = [.auto, .present, .absent, .auto]
    let options = CSV.Options(delimiter: delimiters[(choice >> 4) & 3], header: headers[(choice >> 6) & 3])
    do {
        _ = try CSV.parse(Data(bytes.dropFirst()), source: "fuzz.csv", labelColumn: columns[choice & 3],
                          task: tasks[(choice >> 2) & 3], options: options)
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
