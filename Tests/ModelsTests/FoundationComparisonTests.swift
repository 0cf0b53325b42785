import Foundation
import Testing
@testable import TidendeModels
import TidendeTestRandom

/// Property test: on thousands of randomly mutated news documents, the scanner accepts exactly
/// what Foundation's `JSONSerialization` accepts (except for three documented differences).
@Suite struct FoundationComparisonTests {

    static func document(_ rng: inout SplitMix) -> [UInt8] {
        let words = ["cyber", "ambassadør", "Rusland", "desinformation", "æble", "Øresund", "Århus",
                     "tech", "\\\"citat\\\"", "linje\\nskift", "\\u00e6", "\\uD83D\\uDE00", "😀", "€"]
        func text(_ rng: inout SplitMix) -> String {
            (0..<Int.random(in: 1...8, using: &rng)).map { _ in words.randomElement(using: &rng)! }
                .joined(separator: " ")
        }
        var w = JSONWriter()
        w.object { w in
            w.member("id", Int.random(in: 1...1_000_000, using: &rng))
            w.key("title"); w.raw(bytes("\"" + text(&rng) + "\""))
            w.key("body"); w.raw(bytes("\"" + text(&rng) + "\""))
            w.member("score", Double.random(in: -1000...1000, using: &rng))
            w.member("published", true)
            w.nullMember("source")
            w.array("tags") { w in
                for _ in 0..<Int.random(in: 0...3, using: &rng) { w.value(words.randomElement(using: &rng)!) }
            }
            w.object("meta") { w in
                w.member("n", -12)
                w.array("x") { w in w.value(1.5e-3); w.array { _ in }; w.object { _ in } }
            }
        }
        return w.bytes
    }

    static let replacements: [UInt8] = Array(#"{}[]:,"\ 0123456789-+.eEtrufalsn/bu"#.utf8)
        + [0x09, 0x0A, 0x0D, 0x01, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xF0, 0xF4, 0xF5, 0xFF]

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix) -> [UInt8] {
        var out = input
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            guard !out.isEmpty else { break }
            let at = Int.random(in: 0..<out.count, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: out.remove(at: at)
            case 1: out.insert(replacements.randomElement(using: &rng)!, at: at)
            case 2: out[at] = replacements.randomElement(using: &rng)!
            default: out = Array(out[..<at])  // truncation
            }
        }
        return out
    }

    static func foundationAccepts(_ input: [UInt8]) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(input), options: [.fragmentsAllowed])) != nil
    }

    /// Where we differ on purpose: we reject lone surrogate escapes (no string can hold them) and
    /// trailing commas (`[1,]`, `{"a":1,}`: Foundation tolerates them, RFC 8259 does not), and we
    /// accept numbers beyond Double's range, as the RFC's grammar does (Foundation rejects them).
    static func deliberatelyDifferent(_ input: [UInt8], _ error: JSONError?) -> Bool {
        if let error {
            if error.message.hasPrefix("lone surrogate") { return true }
            guard error.offset < input.count,
                  input[error.offset] == UInt8(ascii: "]") || input[error.offset] == UInt8(ascii: "}")
            else { return false }
            let before = input[..<error.offset].last { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
            return before == UInt8(ascii: ",")
        }
        func hasInfinity(_ value: JSONValue) -> Bool {
            switch value {
            case .number(let d): d.isInfinite
            case .array(let elements): elements.contains(where: hasInfinity)
            case .object(let members): members.contains { hasInfinity($0.1) }
            default: false
            }
        }
        return (try? JSONValue.parse(input)).map(hasInfinity) ?? false
    }

    @Test func unmutatedDocumentsAreAccepted() throws {
        var rng = SplitMix(seed: 1)
        for _ in 0..<200 {
            let doc = Self.document(&rng)
            #expect(scanError(doc) == nil, "\(String(decoding: doc, as: UTF8.self))")
            #expect(Self.foundationAccepts(doc))
            // And the parsed trees agree with Foundation on the title.
            let ours = try JSONValue.parse(doc)
            let theirs = try JSONSerialization.jsonObject(with: Data(doc)) as? [String: Any]
            #expect(ours["title"] == .string(theirs?["title"] as? String ?? "?"))
        }
    }

    @Test func mutatedDocumentsGetTheSameVerdictAsFoundation() {
        var rng = SplitMix(seed: 20_260_101)
        var accepted = 0
        var rejected = 0
        // MUTATIONS=100000 swift test --filter mutated runs a longer search by hand.
        for _ in 0..<(Int(ProcessInfo.processInfo.environment["MUTATIONS"] ?? "") ?? 5_000) {
            let input = Self.mutate(Self.document(&rng), &rng)
            let error = scanError(input)
            let theirs = Self.foundationAccepts(input)
            if (error == nil) != theirs && !Self.deliberatelyDifferent(input, error) {
                Issue.record("disagree (ours: \(error?.description ?? "accept"), Foundation: \(theirs)) on \(String(decoding: input, as: UTF8.self).debugDescription) \(input.filter { $0 >= 0x80 || $0 < 0x20 })")
            }
            if error == nil {
                accepted += 1
                // What we accept, we can parse, write and parse back to the same value.
                if !Self.deliberatelyDifferent(input, nil), let value = try? JSONValue.parse(input) {
                    #expect((try? JSONValue.parse(value.jsonBytes())) == value)
                } else if !Self.deliberatelyDifferent(input, nil) {
                    Issue.record("scanner accepted what the parser rejected")
                }
            } else {
                rejected += 1
            }
        }
        // The mutations must exercise both outcomes for the comparison to mean anything.
        #expect(accepted > 200 && rejected > 2_000)
    }

    @Test func randomBytesNeverCrashAndErrorsPointInsideTheLine() {
        var rng = SplitMix(seed: 7)
        let alphabet = Self.replacements + Array(#"{"a":[1,"b"]}"#.utf8)
        for _ in 0..<20_000 {
            let input = (0..<Int.random(in: 0...24, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            let error = scanError(input)
            if let error {
                #expect(error.offset >= 0 && error.offset <= input.count)
                #expect(error.column >= 1 && error.column <= input.count + 1)
                #expect([ErrorCode.invalidJSON, .invalidUTF8].contains(error.code))
                #expect(error.message.hasSuffix("at column \(error.column)"))
            }
            let parsed: Bool = (try? JSONValue.parse(input)) != nil
            #expect(parsed == (error == nil))
        }
    }
}
