import Testing
@testable import TidendeModels

@Suite struct WireErrorTests {
    @Test func rendersTheStandardReplyLine() throws {
        let error = WireError(.invalidJSON, "expected ',' or '}' at column 41")
        #expect(String(decoding: error.replyLine(line: 17), as: UTF8.self)
                == #"{"ok":false,"line":17,"error":{"code":"invalid_json","message":"expected ',' or '}' at column 41"}}"# + "\n")
        #expect(String(decoding: error.replyLine(line: nil), as: UTF8.self)
                == #"{"ok":false,"error":{"code":"invalid_json","message":"expected ',' or '}' at column 41"}}"# + "\n")
    }

    @Test func replyIsValidJSONWhateverTheMessage() throws {
        let error = WireError(.invalidRequest, "bad \"quote\" \\ and\nnewline ø \u{01}")
        let line = error.replyLine(line: 3)
        #expect(line.last == UInt8(ascii: "\n"))
        let value = try JSONValue.parse(Array(line.dropLast()))
        #expect(value["error"]?["message"] == .string(error.message))
        #expect(value["error"]?["code"] == .string("invalid_request"))
        #expect(value["ok"] == .bool(false))
        #expect(value["line"] == .integer(3))
    }

    @Test func codesAreStableSnakeCaseWords() {
        let codes: [(ErrorCode, String)] = [
            (.invalidJSON, "invalid_json"), (.invalidUTF8, "invalid_utf8"), (.notAnObject, "not_an_object"),
            (.lineTooLong, "line_too_long"), (.missingID, "missing_id"), (.invalidID, "invalid_id"),
            (.documentTooLarge, "document_too_large"), (.unknownOp, "unknown_op"),
            (.invalidRequest, "invalid_request"), (.unauthorized, "unauthorized"),
            (.httpNotSupported, "http_not_supported"), (.invalidCompression, "invalid_compression"),
            (.truncatedStream, "truncated_stream"), (.decompressionLimit, "decompression_limit"),
            (.storeUnavailable, "store_unavailable"), (.notFound, "not_found"), (.timeout, "timeout"),
            (.tooManyConnections, "too_many_connections"), (.idleTimeout, "idle_timeout"),
            (.invalidQuery, "invalid_query"), (.invalidFilter, "invalid_filter"), (.invalidSort, "invalid_sort"),
            (.limitOutOfRange, "limit_out_of_range"), (.shuttingDown, "shutting_down"),
            (.internalError, "internal_error"),
        ]
        #expect(Set(codes.map(\.0)).count == codes.count)
        for (code, word) in codes {
            #expect(code.rawValue == word)
            #expect(ErrorCode(rawValue: word) == code)
        }
        #expect(ErrorCode(rawValue: "no_such_code") == nil)
    }
}
