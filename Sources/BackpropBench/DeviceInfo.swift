import Backprop
import Foundation

/// A device as the report describes it.
public struct DeviceInfo: Sendable, Codable, Hashable {
    public var label: String
    public var name: String
    public var kind: String
    public var openSeconds: Double
    public var build: String?

    public init(label: String, name: String, kind: String, openSeconds: Double, build: String?) {
        self.label = label
        self.name = name
        self.kind = kind
        self.openSeconds = openSeconds
        self.build = build
    }

    enum CodingKeys: String, CodingKey {
        case label, name, kind, build
        case openSeconds = "open_seconds"
    }
}
