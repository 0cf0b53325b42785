import Testing
@testable import TidendeModels

@Suite struct DocumentIDTests {
    func extract(_ line: String) throws -> Result<String, WireError> {
        DocumentID.extract(from: try JSONScanner().scan(bytes(line)))
    }

    func code(_ result: Result<String, WireError>) -> ErrorCode? {
        if case .failure(let error) = result { return error.code }
        return nil
    }

    @Test func stringIDsAreUnescaped() throws {
        #expect(try extract(#"{"id":"abc-123"}"#).get() == "abc-123")
        #expect(try extract(#"{"id":"s\u00f8ren\/1"}"#).get() == "søren/1")
        #expect(try extract(#"{"id":" spaced "}"#).get() == " spaced ")
    }

    @Test func integerIDsKeepTheirDecimalString() throws {
        #expect(try extract(#"{"id":42}"#).get() == "42")
        #expect(try extract(#"{"id":-7}"#).get() == "-7")
        #expect(try extract(#"{"id":0}"#).get() == "0")
        #expect(try extract(#"{"id":9223372036854775807}"#).get() == "9223372036854775807")
    }

    @Test func lengthIsCountedInBytesAfterUnescaping() throws {
        let max = String(repeating: "a", count: 512)
        #expect(try extract("{\"id\":\"\(max)\"}").get() == max)
        #expect(code(try extract("{\"id\":\"\(max)a\"}")) == .invalidID)
        // 256 × "ø" is 512 bytes: allowed; one more character is not.
        let danish = String(repeating: "ø", count: 256)
        #expect(try extract("{\"id\":\"\(danish)\"}").get() == danish)
        #expect(code(try extract("{\"id\":\"\(danish)x\"}")) == .invalidID)
        // Escaped form is long, decoded form short: the decoded length counts.
        let escaped = String(repeating: #"\u0061"#, count: 512)
        #expect(try extract("{\"id\":\"\(escaped)\"}").get() == max)
    }

    @Test func badIDs() throws {
        #expect(code(try extract(#"{"title":"x"}"#)) == .missingID)
        for line in [#"{"id":""}"#, #"{"id":1.5}"#, #"{"id":1e3}"#, #"{"id":1.0}"#, #"{"id":null}"#,
                     #"{"id":true}"#, #"{"id":[1]}"#, #"{"id":{"a":1}}"#, #"{"id":"a\nb"}"#,
                     #"{"id":"a\u0000"}"#, #"{"id":"\u007f"}"#, #"{"id":"\u0085"}"#,
                     #"{"id":92233720368547758070}"#] {
            #expect(code(try extract(line)) == .invalidID, "\(line)")
        }
    }

    @Test func messagesSayWhatIsExpected() throws {
        guard case .failure(let float) = try extract(#"{"id":1.5}"#),
              case .failure(let big) = try extract(#"{"id":92233720368547758070}"#),
              case .failure(let array) = try extract(#"{"id":[]}"#),
              case .failure(let missing) = try extract(#"{}"#) else {
            Issue.record("expected failures")
            return
        }
        #expect(float.message == "\"id\" must be a string of 1-512 bytes or an integer, got the number 1.5")
        #expect(big.message.contains("out of range"))
        #expect(array.message == "\"id\" must be a string of 1-512 bytes or an integer, got an array")
        #expect(missing.message.contains("no \"id\""))
    }

    @Test func lastIDWins() throws {
        #expect(try extract(#"{"id":"a","id":"b"}"#).get() == "b")
    }

    /// The parsed-tree form gives the same id, or an error with the same code, on every line
    /// the scan form was tested with.
    @Test func parsedDocumentsFollowTheSameRules() throws {
        let lines = [#"{"id":"abc-123"}"#, #"{"id":"s\u00f8ren\/1"}"#, #"{"id":42}"#, #"{"id":-7}"#,
                     #"{"id":9223372036854775807}"#, #"{"title":"x"}"#, #"{"id":""}"#, #"{"id":1.5}"#,
                     #"{"id":1e3}"#, #"{"id":1.0}"#, #"{"id":null}"#, #"{"id":true}"#, #"{"id":[1]}"#,
                     #"{"id":{"a":1}}"#, #"{"id":"a\nb"}"#, #"{"id":"\u0085"}"#, #"{"id":92233720368547758070}"#,
                     #"{"id":"a","id":"b"}"#, "{\"id\":\"\(String(repeating: "ø", count: 257))\"}"]
        for line in lines {
            let scanned = try extract(line)
            let parsed = DocumentID.extract(from: try JSONValue.parse(line))
            switch (scanned, parsed) {
            case (.success(let a), .success(let b)): #expect(a == b, "\(line)")
            default: #expect(code(scanned) == code(parsed) && code(parsed) != nil, "\(line)")
            }
        }
    }
}
