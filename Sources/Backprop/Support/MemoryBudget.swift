import Foundation

/// How much more memory this process can expect to get, so that an allocation a file or a
/// setting asks for is refused with a message before it is made: Swift traps ("failed to
/// allocate") when an allocation fails, and the kernel's OOM killer gives no message at all.
package enum MemoryBudget {
    /// Bytes this process may still allocate: the smaller of what its address-space limit
    /// (`ulimit -v`) leaves beside what it already maps, and the machine's available memory plus
    /// free swap. Nil where neither can be read (not Linux).
    package static func available() -> Int? {
        var budget: Int?
        #if os(Linux)
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max,
           let mapped = kibibytes("/proc/self/status", "VmSize:") {
            budget = Int(clamping: limit.rlim_cur) - mapped
        }
        if let free = kibibytes("/proc/meminfo", "MemAvailable:"), let swap = kibibytes("/proc/meminfo", "SwapFree:") {
            budget = Swift.min(budget ?? .max, free + swap)
        }
        #endif
        return budget.map { Swift.max(0, $0) }
    }

    /// Why `bytes` more cannot be allocated, or nil when they fit the budget (or it is unknown).
    package static func shortfall(_ bytes: Int) -> String? {
        guard let budget = available(), bytes > budget else { return nil }
        return "that is \(describe(bytes)), more than the \(describe(budget)) this process can still allocate"
    }

    /// "1.5 GiB", "800 KiB", "12 bytes".
    package static func describe(_ bytes: Int) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        guard bytes >= 1024 else { return "\(bytes) bytes" }
        var v = Double(bytes) / 1024, i = 0
        while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
        return String(format: v < 10 ? "%.1f %@" : "%.0f %@", v, units[i])
    }

    /// A "Name:   123 kB" line of a /proc file, in bytes.
    private static func kibibytes(_ file: String, _ key: String) -> Int? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key) }),
              let kib = Int(line.dropFirst(key.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        else { return nil }
        return kib.multipliedReportingOverflow(by: 1024).overflow ? .max : kib * 1024
    }
}
