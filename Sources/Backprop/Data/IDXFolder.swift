import Foundation

extension IDX {
    /// Which pair of the standard MNIST files to load from a folder.
    public enum Split: String, Sendable, CaseIterable {
        /// train-images-idx3-ubyte and train-labels-idx1-ubyte (60,000 samples for MNIST).
        case train
        /// t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (10,000 samples for MNIST).
        case test
        /// The training pair followed by the test pair.
        case all
    }

    /// The standard file names, each also looked for with a `.gz` suffix (the uncompressed
    /// file is preferred when both exist; content, not the name, decides how it is read).
    static let fileNames: [Split: (images: String, labels: String)] = [
        .train: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        .test: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    ]

    /// The training pair of an MNIST-style folder if present, else its test pair.
    public static func loadFolder(_ dir: URL, scale: Bool = true) throws -> Dataset {
        try checkDirectory(dir)
        for split in [Split.train, .test] where findPair(dir, split) != nil {
            return try loadFolder(dir, split: split, scale: scale)
        }
        throw DataError(source: dir.path, record: nil, problem:
            "holds no complete pair of MNIST files (expected \(expected(.all)))")
    }

    /// The `split` of an MNIST-style folder (see `load(images:labels:scale:)` for the shapes).
    /// A missing file is an error naming the folder and the expected file names.
    public static func loadFolder(_ dir: URL, split: Split, scale: Bool = true) throws -> Dataset {
        try checkDirectory(dir)
        if split == .all {
            let train = try loadFolder(dir, split: .train, scale: scale)
            let test = try loadFolder(dir, split: .test, scale: scale)
            var all = try train.appending(test)
            all.source = "mnist:\(dir.path) (train + t10k)"
            return all
        }
        guard let pair = findPair(dir, split) else { throw missing(dir, split) }
        return try load(images: pair.images, labels: pair.labels, scale: scale,
                        source: "mnist:\(dir.path) (\(pair.images.lastPathComponent))")
    }

    /// Both files of `split` in `dir`, each raw or `.gz`; nil when either is missing.
    package static func findPair(_ dir: URL, _ split: Split) -> (images: URL, labels: URL)? {
        guard let names = fileNames[split],
              let images = find(dir, names.images), let labels = find(dir, names.labels) else { return nil }
        return (images, labels)
    }

    private static func find(_ dir: URL, _ name: String) -> URL? {
        for candidate in [name, name + ".gz"] {
            let url = dir.appendingPathComponent(candidate)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return url
            }
        }
        return nil
    }

    private static func checkDirectory(_ dir: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDirectory) else {
            throw DataError(source: dir.path, record: nil, problem:
                "does not exist (expected a folder holding MNIST-style IDX files, \(expected(.all)))")
        }
        guard isDirectory.boolValue else {
            throw DataError(source: dir.path, record: nil, problem:
                "is a file, not a folder (expected a folder holding \(expected(.all)))")
        }
    }

    /// The error for a missing pair, naming each file that is absent.
    private static func missing(_ dir: URL, _ split: Split) -> DataError {
        let names = fileNames[split] ?? ("", "")
        let absent = [names.images, names.labels].filter { find(dir, $0) == nil }
            .map { dir.appendingPathComponent($0).path + "[.gz]" }
        return DataError(source: dir.path, record: nil, problem:
            "lacks \(absent.joined(separator: " and ")) (expected \(expected(split)))")
    }

    private static func expected(_ split: Split) -> String {
        let splits: [Split] = split == .all ? [.train, .test] : [split]
        return splits.compactMap { fileNames[$0] }
            .map { "\($0.images)[.gz] with \($0.labels)[.gz]" }
            .joined(separator: ", or ")
    }
}
