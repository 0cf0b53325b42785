import NIOCore
import Testing
@testable import TidendeServer
import TidendeWire

/// How a line is sorted into JSON and plain text (README "Query"): a line opening with `[` is a
/// plain query unless it is JSON, or JSON up to nesting deeper than the limit.
@Suite struct RequestClassifierTests {
    private func classify(_ line: String) -> RequestClassifier.Kind {
        RequestClassifier.classify(ByteBuffer(string: line))
    }

    private func errorCode(_ line: String) -> String? {
        if case .invalid(let error) = classify(line) { return error.code.rawValue }
        return nil
    }

    private func text(_ line: String) -> String? {
        if case .request(.text(let text)) = classify(line) { return text }
        return nil
    }

    @Test func anArrayTooDeepIsInvalidJSONNotAQuery() {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(errorCode(deep) == "invalid_json")
        #expect(errorCode("  " + deep + " ") == "invalid_json")
        // Unclosed, but valid as far as the limit: still JSON.
        #expect(errorCode(String(repeating: "[", count: 200)) == "invalid_json")
        #expect(errorCode(String(repeating: "[{\"a\":", count: 100)) == "invalid_json")
    }

    @Test func aBracketedHeadlineIsStillAQuery() {
        #expect(text("[VIDEO] cyberangreb") == "[VIDEO] cyberangreb")
        #expect(text("[[x" + String(repeating: "[", count: 200)) != nil)
        #expect(errorCode("[1,2]") == "not_an_object")
        let atLimit = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        #expect(errorCode(atLimit) == "not_an_object")
    }
}
