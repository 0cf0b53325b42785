import Foundation
import TidendeTestSupport

/// A cluster holding the seed page plus generated documents, with what was sent kept beside it
/// so tests can work out the right answers themselves.
struct SeededCluster {
    let cluster: Cluster
    /// Every document line ingested, by id.
    let documents: [String: [String: Any]]
    /// The last acknowledged seq: search with `min_seq` = this to see everything.
    let lastSeq: Int

    /// Ids of one document that says "ambassadører" but never "ambassadør" itself, and the
    /// line that made it.
    static let pluralOnlyID = "stem-plural-only"
    static let pluralOnly = jsonLine([
        "id": pluralOnlyID, "type": "article", "lang": "da",
        "title": "Flere ambassadører i Norden",
        "body": "Ambassadører fra fem lande mødtes i Oslo.",
    ])

    /// Starts a cluster and ingests the seed page, `generated` documents `gen-…` and
    /// ``pluralOnly``. Throws `TestFailure` when the seed page is absent.
    init(generated: Int = 30, queryArguments: [String] = []) throws {
        guard let seed = try Documents.seedPage() else {
            throw TestFailure("../shared/examples/seed-page.ndjson is absent")
        }
        cluster = try Cluster(queryArguments: queryArguments)
        let lines = seed + Documents.generated("gen", count: generated) + [Self.pluralOnly]
        let acks = try cluster.put(lines)
        var documents: [String: [String: Any]] = [:]
        for line in lines {
            let reply = try Reply(line)
            documents[reply.id ?? ""] = reply.fields
        }
        self.documents = documents
        lastSeq = acks.last?.seq ?? 0
    }

    /// Ids of the documents whose `field` is the string `value`.
    func ids(where field: String, is value: String) -> Set<String> {
        Set(documents.filter { $0.value[field] as? String == value }.keys)
    }

    /// A search that first waits for every seeded document to be searchable.
    func search(_ body: String) throws -> Reply {
        let reply = try cluster.search(body, after: lastSeq)
        guard reply.ok else { throw TestFailure("search {\(body)} failed: \(reply)\n\(cluster.logs)") }
        return reply
    }
}

/// Whether the seed page is there to test with (it lives outside the repository).
let seedPageAvailable = Paths.seedPage != nil
let seedPageMissing = "../shared/examples/seed-page.ndjson (beside the repository root) is absent"
