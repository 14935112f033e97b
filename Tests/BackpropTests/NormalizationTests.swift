import Backprop
import Foundation
import BackpropTestSupport
import Testing

@Suite("Input normalisation")
struct NormalizationTests {
    /// Three features over four samples: varying, constant, and large.
    let train = Dataset(source: "train", inputSize: 3,
                        inputs: [1, 5, 1000,  2, 5, 3000,  3, 5, 2000,  6, 5, 4000],
                        labels: [0, 1, 0, 1])

    @Test("min-max maps each training feature to [0, 1]; a constant feature maps to 0")
    func minMax() throws {
        let n = Normalization.Kind.minMax.fit(train)
        #expect(n.offset == [1, 5, 1000])
        #expect(n.scale == [0.2, 1, Float(1.0 / 3000)])
        let x = try n.applied(to: train).inputs
        for j in 0..<3 {
            let column = stride(from: j, to: 12, by: 3).map { x[$0] }
            #expect(column.min() == 0)
            #expect(column.max().map { abs($0 - (j == 1 ? 0 : 1)) < 1e-6 } == true)
        }
    }

    @Test("standard gives zero mean and unit variance; zero variance gets scale 1")
    func standard() throws {
        let n = Normalization.Kind.standard.fit(train)
        #expect(n.offset == [3, 5, 2500])
        #expect(n.scale[1] == 1)
        let x = try n.applied(to: train).inputs
        for j in [0, 2] {
            let column = stride(from: j, to: 12, by: 3).map { Double(x[$0]) }
            let mean = column.reduce(0, +) / 4
            let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4
            #expect(abs(mean) < 1e-6 && abs(variance - 1) < 1e-5)
        }
    }

    @Test("statistics come from the training split only and are applied unchanged elsewhere")
    func trainOnly() throws {
        let (fit, validation) = try train.split(.count(1))
        let n = Normalization.Kind.minMax.fit(fit)
        #expect(n.offset == [1, 5, 1000] && n.scale[0] == 0.5)
        let v = try n.applied(to: try #require(validation))
        #expect(maxRelativeError(v.inputs, [2.5, 0, 1.5] as [Float]) < 1e-6)
    }

    @Test("none and the identity leave inputs as they are")
    func identity() throws {
        let n = Normalization.Kind.none.fit(train)
        #expect(n == Normalization(kind: .none, offset: [0, 0, 0], scale: [1, 1, 1]))
        #expect(try n.applied(to: train).inputs == train.inputs)
    }

    @Test("Codable: kind name and the two Float arrays round-trip through JSON")
    func codable() throws {
        let n = Normalization.Kind.standard.fit(train)
        let json = try JSONEncoder().encode(n)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"kind\":\"standard\"") && text.contains("\"offset\"") && text.contains("\"scale\""))
        #expect(try JSONDecoder().decode(Normalization.self, from: json) == n)
        #expect(try JSONDecoder().decode(Normalization.self, from: Data(#"{"kind":"minmax","offset":[1],"scale":[2]}"#.utf8)).kind == .minMax)
    }

    @Test("decoding refuses arrays of different lengths and unknown kinds")
    func decodingRefusals() throws {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Normalization.self, from: Data(#"{"kind":"standard","offset":[1,2],"scale":[1]}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Normalization.self, from: Data(#"{"kind":"robust","offset":[],"scale":[]}"#.utf8))
        }
    }

    @Test("applying to data of another width is refused")
    func widthMismatch() throws {
        let n = Normalization.Kind.standard.fit(train)
        var other = SyntheticData.xor()
        expectDataError("xor", "has 2 inputs", "fitted on 3") { try n.apply(to: &other) }
        var rows: [Float] = [1, 2, 3, 4]
        expectDataError("4 values are not whole rows of 3") { try n.apply(to: &rows) }
    }

    @Test("kind names parse, with aliases; others are refused listing the valid ones")
    func kinds() throws {
        #expect(try Normalization.Kind(parsing: "minmax") == .minMax)
        #expect(try Normalization.Kind(parsing: "Min-Max") == .minMax)
        #expect(try Normalization.Kind(parsing: "zscore") == .standard)
        #expect(try Normalization.Kind(parsing: "none") == Normalization.Kind.none)
        expectConfigurationError([.normalization], "normalization robust:", "none, minmax, standard") {
            try Normalization.Kind(parsing: "robust")
        }
    }
}
