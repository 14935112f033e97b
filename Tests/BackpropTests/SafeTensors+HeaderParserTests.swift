@testable import Backprop
import BackpropTestSupport
import Testing

/// The header's JSON: what the parser refuses beyond the format's core rules, and what it
/// accepts because JSON or the Python reader do. Offsets count from the start of the file.
@Suite("SafeTensors: header JSON")
struct SafeTensorsHeaderParserTests {
    /// Cases beyond the format's core rules, each a way for two readers to disagree.
    @Test("strictness", arguments: [
        (#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#, 61, "a second tensor named \"a\""),
        (#"{"a":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, 27, "tensor \"a\" has a second \"dtype\""),
        (#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":0}}"#, 60, "has key \"x\"; expected only dtype, shape and data_offsets"),
        (#"{"a":{"dtype":"U8","shape":[1]}}"#, 9, "tensor \"a\" lacks data_offsets"),
        (#"{"__metadata__":{},"__metadata__":{}}"#, 27, "a second \"__metadata__\" object"),
        (#"{"__metadata__":{"k":"1","k":"2"}}"#, 33, "a second key \"k\""),
        (#"{"a":{"dtype":"U8","shape":[1.0],"data_offsets":[0,1]}}"#, 36, "expected a whole number, found a fraction or exponent"),
        (#"{"a":{"dtype":"U8","shape":[1e0],"data_offsets":[0,1]}}"#, 36, "fraction or exponent"),
        (#"{"a":{"dtype":"U8","shape":[01],"data_offsets":[0,1]}}"#, 36, "may not start with 0"),
        (#"{"a":{"dtype":"U8","shape":[99999999999999999999],"data_offsets":[0,1]}}"#, 36, "number too large"),
        (#"{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}"#, 36, "expected a non-negative integer"),
        (#"{"a":{"dtype":"U8","shape":1,"data_offsets":[0,1]}}"#, 35, "expected tensor \"a\" shape to be an array"),
        (#"{"\ud800":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, 10, "a lone UTF-16 surrogate"),
        (#"{"\udc00":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, 10, "a lone UTF-16 surrogate"),
        (#"{"\x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, 10, "an unknown escape: backslash followed by 'x'"),
        (#"{"\u12":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, 14, "\\u needs four hex digits"),
        ("{\"a\tb\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 11, "a control character in a string"),
        (#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}"#, 60, "found the end of the header"),
        (#"{"abc"#, 9, "the string never ends"),
        (#"{"a":{"dtype":"U8","shape":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],"data_offsets":[0,1]}}"#, 164, "shape has more than 64 entries"),
    ] as [(String, Int, String)])
    func strictness(_ header: String, _ at: Int, _ text: String) {
        expectRefusal(safeTensorsFile(header, data: [0]), at: at, text)
    }

    @Test("what JSON and the Python reader allow is accepted: whitespace, escapes, null metadata, any order")
    func leniency() throws {
        let header = " \n{ \"\\u00e9\\ud83d\\ude00\\/\" : { \"shape\" : [ 2 ] , \"data_offsets\" : [ 4 , 6 ], \"dtype\" : \"U8\" } ,\t"
            + "\"__metadata__\" : null , \"b\":{\"data_offsets\":[0,4],\"dtype\":\"F32\",\"shape\":[]}}\r\n  "
        let file = try SafeTensors.decode(safeTensorsFile(header, data: [0, 0, 128, 63, 7, 8]))
        #expect(file.metadata.isEmpty)
        #expect(try file.tensors["é😀/"]?.uint8s() == [7, 8])
        #expect(try file.tensors["b"]?.floats() == [1])
        // Unicode names with the same canonical form are the same name in Swift: refused.
        let twins = #"{"\u00e9":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"e\u0301":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}"#
        expectRefusal(safeTensorsFile(twins), at: 66, "a second tensor named")
    }
}
