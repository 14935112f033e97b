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
    /// passed since the last save. A failed periodic save does not stop training: `report`
    /// says at once what failed and which epoch the file on disk holds.
    func epochEnded(_ trainer: Trainer, report: (String) -> Void) {
        if let lastTime, ContinuousClock.now - lastTime < .seconds(interval) { return }
        do {
            try save(trainer)
        } catch {
            lastTime = .now  // try again after the interval, not after every epoch of a full disk
            report("could not save the checkpoint after epoch \(trainer.completedEpochs) (\(error)); training goes on; "
                + holding)
        }
    }

    /// Which epoch the file on disk holds, for messages.
    var holding: String {
        lastSaved.map { "\(url.path) holds epoch \($0)" } ?? "nothing has been saved to \(url.path) in this run"
    }

    /// The save at the end; a failure says which epoch the file on disk still holds.
    func finalSave(_ trainer: Trainer) throws {
        do {
            try save(trainer)
        } catch let error as DataError {
            throw DataError(source: error.source, record: error.record, problem: error.problem + "; " + holding, unit: error.unit)
        }
    }

    func save(_ trainer: Trainer) throws {
        let checkpoint = try Checkpoint(network: trainer.network, trainer: trainer, normalization: normalization,
                                        classNames: classNames)
        try checkpoint.write(to: url)
        lastSaved = trainer.completedEpochs
        lastTime = .now
    }

    static func checkTarget(_ url: URL) throws { try OutputFile.check(url, as: .save) }
}

/// A file a run writes (a checkpoint, a history): checked before anything is spent, replaced
/// atomically.
public enum OutputFile {
    /// Refuses, before any data is read or any epoch is spent, a path whose folder is missing
    /// or cannot be written to, whose name is too long, or that names (or links to) something
    /// other than a regular file (a folder, a device, a FIFO, a socket): replacing it would
    /// destroy it. The error names `setting`.
    public static func check(_ url: URL, as setting: ConfigurationError.Setting) throws {
        let path = url.path
        var status = stat()
        if stat(path, &status) == 0 && (status.st_mode & S_IFMT) != S_IFREG {
            let what = (status.st_mode & S_IFMT) == S_IFDIR ? "a folder" : "not a regular file"
            throw ConfigurationError(setting, path, "is \(what); expected the path of a file to write")
        }
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ConfigurationError(setting, path, "names a folder, \(folder), that does not exist")
        }
        if let problem = AtomicFile.problem(replacing: path) { throw ConfigurationError(setting, path, problem) }
    }

    /// Replaces the file at `url` with `bytes` atomically (a temporary file, fsync, rename).
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        try AtomicFile.replace(url.path, with: bytes)
    }
}
