import Foundation

/// Saves a training run's checkpoint after epochs (at most every `interval` seconds) and at
/// the end. Each save replaces the file atomically (a temporary file, then a rename), so the
/// last good checkpoint survives a crash, a full disk or a kill at any moment.
final class CheckpointSaver {
    let url: URL
    let interval: Double
    let normalization: Normalization?
    let classNames: [String]?
    /// The epoch count of the last checkpoint written, if any.
    private(set) var lastSaved: Int?
    private var lastTime: ContinuousClock.Instant?

    init(url: URL, interval: Double, normalization: Normalization?, classNames: [String]?) {
        self.url = url
        self.interval = interval
        self.normalization = normalization
        self.classNames = classNames
    }

    /// After an epoch: saves after the first epoch and then whenever `interval` seconds have
    /// passed since the last save. A failed periodic save is not fatal; the final save reports
    /// its error.
    func epochEnded(_ trainer: Trainer) {
        if let lastTime, ContinuousClock.now - lastTime < .seconds(interval) { return }
        _ = try? save(trainer)
    }

    func save(_ trainer: Trainer) throws {
        let checkpoint = try Checkpoint(network: trainer.network, trainer: trainer, normalization: normalization,
                                        classNames: classNames)
        try checkpoint.write(to: url)
        lastSaved = trainer.completedEpochs
        lastTime = .now
    }

    /// Refuses, before any data is read or any epoch is spent, a save path whose folder is
    /// missing, or that names (or links to) something other than a regular file (a folder, a
    /// device, a FIFO, a socket): replacing it would destroy it.
    static func checkTarget(_ url: URL) throws {
        let path = url.path
        var status = stat()
        if stat(path, &status) == 0 && (status.st_mode & S_IFMT) != S_IFREG {
            let what = (status.st_mode & S_IFMT) == S_IFDIR ? "a folder" : "not a regular file"
            throw ConfigurationError(.save, path, "is \(what); expected the path of a file to write")
        }
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ConfigurationError(.save, path, "names a folder, \(folder), that does not exist")
        }
    }
}
