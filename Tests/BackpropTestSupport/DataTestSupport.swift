import Backprop
import Foundation
import Testing

/// A fresh temporary folder for one test, removed when the value goes away.
public final class TempDir {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("backprop-data-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `data` to `name` in the folder and returns its URL.
    @discardableResult
    public func write(_ name: String, _ data: Data) throws -> URL {
        let file = url.appendingPathComponent(name)
        try data.write(to: file)
        return file
    }

    @discardableResult
    public func write(_ name: String, _ text: String) throws -> URL {
        try write(name, Data(text.utf8))
    }

    /// The names in the folder, hidden ones included, sorted.
    public func names() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() }
}

/// IDX files built byte by byte: magic 00 00 type ndims, big-endian UInt32 dimensions, payload.
public enum IDXBytes {
    public static func file(type: UInt8 = 0x08, dims: [UInt32], payload: [UInt8]) -> Data {
        var bytes: [UInt8] = [0, 0, type, UInt8(dims.count)]
        for d in dims { bytes += [UInt8(d >> 24), UInt8((d >> 16) & 0xFF), UInt8((d >> 8) & 0xFF), UInt8(d & 0xFF)] }
        return Data(bytes + payload)
    }

    /// count × rows × cols unsigned bytes.
    public static func images(_ pixels: [UInt8], rows: Int = 2, cols: Int = 3) -> Data {
        file(dims: [UInt32(pixels.count / (rows * cols)), UInt32(rows), UInt32(cols)], payload: pixels)
    }

    public static func labels(_ labels: [UInt8]) -> Data {
        file(dims: [UInt32(labels.count)], payload: labels)
    }

    /// Big-endian bytes of integers or floats of the given width.
    public static func bigEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.bigEndian) { Array($0) } }
    }
}

/// Runs `body`, expecting a `DataError` whose description holds every fragment (and whose
/// unit and record match when given); returns the error for further checks.
@discardableResult
public func expectDataError(_ fragments: String..., unit: String? = nil, record: Int? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation,
                     _ body: () throws -> Any) -> DataError? {
    do {
        let value = try body()
        Issue.record("expected a DataError mentioning \(fragments), but got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch let error as DataError {
        for fragment in fragments {
            #expect(error.description.contains(fragment), "\"\(error)\" lacks \"\(fragment)\"", sourceLocation: sourceLocation)
        }
        if let unit { #expect(error.unit == unit, "\"\(error)\"", sourceLocation: sourceLocation) }
        if let record { #expect(error.record == record, "\"\(error)\"", sourceLocation: sourceLocation) }
        return error
    } catch {
        Issue.record("expected a DataError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Runs `body`, expecting a `ConfigurationError` that names exactly `settings` (in that order)
/// and whose description holds every fragment; returns the error for further checks.
@discardableResult
public func expectConfigurationError(_ settings: [ConfigurationError.Setting], _ fragments: String...,
                                     sourceLocation: SourceLocation = #_sourceLocation,
                                     _ body: () throws -> Any) -> ConfigurationError? {
    do {
        let value = try body()
        Issue.record("expected a ConfigurationError naming \(settings), but got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch let error as ConfigurationError {
        #expect(error.settings.map(\.setting) == settings, "\"\(error)\"", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.description.contains(fragment), "\"\(error)\" lacks \"\(fragment)\"", sourceLocation: sourceLocation)
        }
        return error
    } catch {
        Issue.record("expected a ConfigurationError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
