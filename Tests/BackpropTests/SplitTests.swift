import Backprop
import Foundation
import BackpropTestSupport
import Testing

@Suite("Validation splits")
struct SplitTests {
    /// Ten samples whose single input is their index.
    let data = Dataset(source: "d", inputSize: 1, inputs: (0..<10).map(Float.init),
                       labels: (0..<10).map { Int32($0 % 3) })

    @Test("parsing fractions, percentages, counts and zero")
    func parsing() throws {
        #expect(try ValidationSplit(parsing: "0.1") == .fraction(0.1))
        #expect(try ValidationSplit(parsing: " .25 ") == .fraction(0.25))
        #expect(try ValidationSplit(parsing: "10%") == .fraction(0.1))
        #expect(try ValidationSplit(parsing: "2000") == .count(2000))
        #expect(try ValidationSplit(parsing: "1") == .count(1))
        for none in ["0", "0.0", "0%"] { #expect(try ValidationSplit(parsing: none) == ValidationSplit.none) }
    }

    @Test("refusals name the validation setting and say what is expected",
          arguments: ["1.0", "1.5", "-0.1", "-5", "abc", "", "nan", "100%", "0.1x", "99999999999999999999999"])
    func refusals(text: String) throws {
        expectConfigurationError([.validation], "expected a fraction in (0, 1)") { try ValidationSplit(parsing: text) }
    }

    @Test("the held-out samples are the last ones, in order")
    func lastSamples() throws {
        let (train, validation) = try data.split(.count(3))
        #expect(train.inputs == [0, 1, 2, 3, 4, 5, 6])
        #expect(validation?.inputs == [7, 8, 9])
        #expect(validation?.labels == [1, 2, 0])
        #expect(validation?.classes == data.classes)
        let (t2, v2) = try data.split(.fraction(0.25))
        #expect(t2.count == 7 && v2?.count == 3) // 2.5 rounds to 3 (away from zero)
        #expect(try data.split(.fraction(0.01)).validation?.count == 1) // at least one
    }

    @Test("none keeps every sample for training")
    func none() throws {
        let (train, validation) = try data.split(.none)
        #expect(train.inputs == data.inputs && validation == nil)
    }

    @Test("a split leaving no training samples is refused")
    func tooLarge() throws {
        expectConfigurationError([.validation], "validation 10:", "holding out 10 sample(s)", "has 10") { try data.split(.count(10)) }
        expectConfigurationError([.validation], "validation 2000:") { try data.split(.count(2000)) }
        let one = data.slice(0..<1)
        expectConfigurationError([.validation], "holding out 1") { try one.split(.fraction(0.5)) }
    }

    @Test("appending joins sets of the same shape and refuses others")
    func appending() throws {
        let joined = try data.slice(0..<4).appending(data.slice(4..<10))
        #expect(joined.inputs == data.inputs && joined.labels == data.labels)
        expectDataError("cannot follow", "2 inputs per sample") { try data.appending(SyntheticData.xor()) }
        let sine = SyntheticData.sine(count: 3, seed: 1)
        expectDataError("one is a classification set") { try data.appending(sine) }
        #expect(try sine.appending(sine).targets?.count == 6)
    }
}
