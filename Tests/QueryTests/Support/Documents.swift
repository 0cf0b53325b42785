import Foundation
import TidendeTestSupport

/// Test documents: the seed page and generated news items whose words are known, so every
/// query's right answer can be worked out here.
enum Documents {
    /// The seed page's lines (eight documents), nil when `../shared/examples` is absent.
    static func seedPage() throws -> [String]? {
        guard let url = Paths.seedPage else { return nil }
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    /// The seed page's ids, read from the file itself.
    static func ids(of lines: [String]) -> [String] {
        lines.compactMap { (try? Reply($0))?.id }
    }

    /// A word made only of letters that no dictionary holds and no stemmer shortens, unique to `i`
    /// (`zq` + base-20 consonants + `o`), so a search for it finds exactly one document.
    static func marker(_ i: Int) -> String {
        let letters = Array("bcdfghjklmnpqrstvwxz")
        var n = i
        var word = ""
        repeat {
            word.append(letters[n % letters.count])
            n /= letters.count
        } while n > 0
        return "zq" + word + "o"
    }

    /// Generated document `prefix-i`: a Danish news item with its marker word in the body,
    /// `type` cycling through article/job/event, and a `published_at` that grows with `i`.
    static func generated(_ prefix: String, _ i: Int, title: String? = nil) -> String {
        let types = ["article", "job", "event"]
        let day = 1 + i % 28
        let month = 1 + (i / 28) % 12
        let object: [String: Any] = [
            "id": "\(prefix)-\(i)",
            "type": types[i % types.count],
            "lang": "da",
            "title": title ?? "Nyhed nummer \(i) om sikkerhed",
            "body": "Denne tekst handler om netværk og data. Mærke \(marker(i)) findes kun her.",
            "published_at": String(format: "2025-%02d-%02dT08:00:00Z", month, day),
        ]
        return jsonLine(object)
    }

    /// `count` generated documents `prefix-0 …`.
    static func generated(_ prefix: String, count: Int, from first: Int = 0) -> [String] {
        (first..<(first + count)).map { generated(prefix, $0) }
    }
}
