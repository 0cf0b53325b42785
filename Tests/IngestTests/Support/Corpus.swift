import Foundation
import TidendeTestSupport

/// Small news-like documents with unique ids, as NDJSON lines.
enum Corpus {
    /// `count` documents with ids `<prefix>-0 … <prefix>-<count-1>`; the text varies with the
    /// index so that no two documents are byte-identical.
    static func documents(_ prefix: String, count: Int, bodyBytes: Int = 40) -> [String] {
        let words = ["cyber", "ambassadør", "netværk", "sikkerhed", "tech", "Rusland", "København", "data"]
        return (0..<count).map { i in
            var body = ""
            var k = i
            while body.utf8.count < bodyBytes {
                body += words[k % words.count] + " "
                k = k / 3 + 7
            }
            return "{\"id\":\"\(prefix)-\(i)\",\"title\":\"Nyhed \(i)\",\"type\":\"article\",\"body\":\"\(body)\"}"
        }
    }

    /// Lines joined into one NDJSON upload.
    static func ndjson(_ lines: [String]) -> [UInt8] { ndjsonBytes(lines) }
}

/// Checks a run of replies that should be per-document acks for `ids`, in order, with strictly
/// increasing, gap-free `seq`s; returns the seqs. Throws on the first mismatch, naming it.
func expectAcks(_ client: LineClient, ids: [String], firstLine: Int = 1) throws -> [Int64] {
    var seqs: [Int64] = []
    seqs.reserveCapacity(ids.count)
    for (i, id) in ids.enumerated() {
        let reply = try client.readObject()
        guard reply.ok == true, reply.id == id, let seq = reply.seq else {
            throw TestFailure("reply \(i + 1) (line \(firstLine + i)): expected an ack for \(id), got \(reply)")
        }
        if let last = seqs.last, seq != last + 1 {
            throw TestFailure("reply \(i + 1): seq \(seq) after \(last) is not the next one")
        }
        seqs.append(seq)
    }
    return seqs
}

/// Asks the server for each id on a new connection and returns the documents that came back
/// (id → parsed document); ids with `not_found` are absent.
func fetch(_ server: IngestProcess, ids: [String]) throws -> [String: [String: Any]] {
    let client = try server.connect()
    let requests = ids.map { "{\"op\":\"get\",\"id\":\(jsonString($0))}" }
    let writer = client.sendInBackground(Corpus.ndjson(requests))
    var found: [String: [String: Any]] = [:]
    for id in ids {
        let reply = try client.readObject()
        if reply.ok == true, reply.id == id, let doc = reply.object("doc") {
            found[id] = doc
        } else if reply.code != "not_found" {
            throw TestFailure("get \(id): unexpected reply \(reply)")
        }
    }
    client.shutdownWrite()
    writer.wait()
    return found
}
