import Backprop
import Foundation
import BackpropTestSupport
import Testing

/// Quoting, line ends, comments and blank lines, seen through `CSV.parse`.
@Suite("CSV reader: tokenizing")
struct CSVTokenizerTests {
    @Test("quoted fields hold delimiters, escaped quotes and line breaks")
    func quoting() throws {
        let data = try csv("a,label\n\"1\",\"x, \"\"y\"\"\"\n2,\"multi\nline\"\n3,plain\n")
        #expect(data.inputs == [1, 2, 3])
        #expect(data.classNames == ["multi\nline", "plain", "x, \"y\""])
        #expect(data.labels == [2, 0, 1])
    }

    @Test("line numbers count the lines inside quoted fields, blank lines and comments")
    func lineNumbers() throws {
        let text = "# comment\n\na,b\n1,\"two\nlines\"\n\n   \n2,ok\n3\n"
        expectDataError("t.csv, line 9", "expected 2 fields (as on line 3), found 1", unit: "line", record: 9) {
            try csv(text)
        }
    }

    @Test("blank lines, # comment lines, CRLF line ends, a byte order mark and spaces are ignored")
    func ignored() throws {
        let text = "\u{FEFF}# made by hand\r\n x , y \r\n\r\n 1 , 0 \r\n# 5,5\r\n\t2,\t1\r\n"
        let data = try csv(text)
        #expect(data.inputs == [1, 2])
        #expect(data.labels == [0, 1])
        #expect(try csv("1,1\n2,0").count == 2) // no final line end
    }

    @Test("a trailing delimiter makes an empty last field, which is refused as a label")
    func trailingDelimiter() throws {
        expectDataError("line 1", "empty label") { try csv("1,2,\n") }
    }

    @Test("a quote that is never closed is refused with its line")
    func unclosedQuote() throws {
        expectDataError("t.csv, line 2", "never closed", unit: "line", record: 2) { try csv("1,0\n2,\"oops\n3,1\n") }
    }

    @Test("text after a closing quote is refused")
    func afterQuote() throws {
        expectDataError("line 1", "\"x\" after a closing quote") { try csv("1,\"a\"x\n") }
    }

    @Test("invalid UTF-8 is refused with its line")
    func invalidUTF8() throws {
        var bytes = Data("a,b\n1,é\n2,".utf8)
        bytes += Data([0xC3, 0x28]) + Data("\n".utf8)
        expectDataError("t.csv, line 3", "not valid UTF-8", unit: "line", record: 3) {
            try CSV.parse(bytes, source: "t.csv")
        }
        let latin1 = Data([0x31, 0x2C, 0xE9, 0x0A])
        expectDataError("line 1", "not valid UTF-8") { try CSV.parse(latin1, source: "t.csv") }
    }

    @Test("numbers are read exactly as Float(String) reads them, fast path or not")
    func numbersAsFloatString() throws {
        var rng = SeededGenerator(seed: 11)
        var texts = ["0", "-0", "+5", "5.", ".5", "-.5", "007", "1e3", "1E-3", "0x1p3", "16777215", "16777216",
                     "16777217", "0.1", "3.4028235e38", "1.17549435e-38", "1e-45", "123456.7", "0.0000000001",
                     "0.00000000001", "99999999999", "1.000000000000000000001", "inf", "-nan", ".", "-", "+",
                     "1.2.3", "1..2", "--1", "1-", "e5", "1e", " 1", "0.30000001192092896", "2.5e-1"]
        for _ in 0..<300 {
            let digits = rng.index(below: 9) + 1, point = rng.index(below: digits + 1)
            var t = (0..<digits).map { _ in String(rng.index(below: 10)) }.joined()
            t.insert(".", at: t.index(t.startIndex, offsetBy: point))
            texts.append(rng.index(below: 2) == 0 ? "-" + t : t)
        }
        for text in texts {
            let field = text.contains(" ") ? "\"\(text)\"" : text
            let expected = Float(text)
            if let expected, expected.isFinite {
                let got = try csv("\(field),0\n", options: .init(header: .absent)).inputs[0]
                #expect(got.bitPattern == expected.bitPattern, "\(text): \(got) vs \(expected)")
            } else {
                expectDataError("line 1", "column 0") { try csv("\(field),0\n", options: .init(header: .absent)) }
            }
        }
    }
}
