import Backprop
import BackpropTestSupport
import Testing

/// The per-mode arithmetic the trainer and the benchmark share: which samples each update of
/// an epoch trains on, how many updates an epoch has, and which batch sizes cannot work.
@Suite("Learning modes")
struct LearningModeTests {
    static let counts = [1, 3, 17, 33, 1000]

    @Test("the updates of an epoch cover every position once, in order", arguments: counts)
    func positionsCoverTheEpoch(_ count: Int) {
        for mode in [LearningMode.stochastic, .minibatch(1), .minibatch(3), .minibatch(32), .minibatch(count), .batch] {
            guard (try? mode.validate(samples: count)) != nil else { continue }
            let updates = mode.updatesPerEpoch(count: count)
            let ranges = (0..<updates).map { mode.positions(ofUpdate: $0, count: count) }
            #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == count, "\(mode) over \(count)")
            #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound }, "\(mode) over \(count)")
            #expect(ranges.allSatisfy { !$0.isEmpty && $0.count <= mode.rowsPerUpdate(count: count) }, "\(mode) over \(count)")
            for k in [0, 1, updates / 2, updates, updates + 3] {
                let expected = k <= 0 ? 0 : ranges[min(k, updates) - 1].upperBound
                #expect(mode.samples(inUpdates: k, count: count) == expected, "\(mode) over \(count), \(k) updates")
            }
        }
    }

    @Test("updates per epoch and rows per update by mode")
    func perModeCounts() {
        #expect(LearningMode.stochastic.updatesPerEpoch(count: 17) == 17)
        #expect(LearningMode.minibatch(5).updatesPerEpoch(count: 17) == 4)
        #expect(LearningMode.minibatch(5).rowsPerUpdate(count: 3) == 3)
        #expect(LearningMode.batch.updatesPerEpoch(count: 17) == 1 && LearningMode.batch.rowsPerUpdate(count: 17) == 17)
        #expect(!LearningMode.batch.shuffles && LearningMode.minibatch(2).shuffles && LearningMode.stochastic.shuffles)
    }

    @Test("a mini-batch of no samples, or of more samples than there are, is refused naming the batch size")
    func refusals() throws {
        #expect(throws: Never.self) { try LearningMode.minibatch(4).validate(samples: 4) }
        for (b, count) in [(0, 10), (-3, 10), (5, 4)] {
            #expect { try LearningMode.minibatch(b).validate(samples: count) } throws: { error in
                guard let e = error as? ConfigurationError else { return false }
                return e.settings.map(\.setting) == [.batchSize] && e.settings.first?.value == "\(b)"
            }
        }
    }
}

/// The one spelling of a layer list and of a mode: what is written parses back to the same.
@Suite("Spellings of layers and modes")
struct SpellingTests {
    @Test("layer lists are written 784,256,10 and read back; malformed ones name the layers")
    func layers() throws {
        #expect(LayerSizes([784, 1024, 1024, 10]).description == "784,1024,1024,10")
        #expect(try LayerSizes(parsing: "784, 256,10").sizes == [784, 256, 10])
        for bad in ["784", "784,x,10", "0,3", "784-256-10", "", "784,,10"] {
            #expect { try LayerSizes(parsing: bad) } throws: { ($0 as? ConfigurationError)?.settings.first?.setting == .layers }
        }
        let arch = try Architecture(sizes: [784, 256, 10])
        #expect(arch.summary.hasPrefix("784,256,10 "))
    }

    @Test("modes are written stochastic, minibatch-32, batch and read back")
    func modes() {
        for mode in [LearningMode.stochastic, .minibatch(1), .minibatch(32), .batch] {
            #expect(LearningMode(parsing: mode.description) == mode)
        }
        #expect(LearningMode.minibatch(32).description == "minibatch-32")
        for bad in ["minibatch", "minibatch-0", "32", "minibatch(32)", "sideways"] { #expect(LearningMode(parsing: bad) == nil) }
    }
}
