import Foundation

/// Where Backprop keeps what it can rebuild: kernel binaries and tuned GEMM parameters.
/// `$BACKPROP_CACHE_DIR`, else `$XDG_CACHE_HOME/backprop`, else `~/.cache/backprop`;
/// `BACKPROP_CACHE_DIR=off` keeps nothing on disk.
public enum CacheDirectory {
    public static var root: URL? {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["BACKPROP_CACHE_DIR"] {
            return dir == "off" || dir.isEmpty ? nil : URL(fileURLWithPath: dir)
        }
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("backprop")
        }
        guard let home = env["HOME"], !home.isEmpty else { return nil }
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/backprop")
    }
}
