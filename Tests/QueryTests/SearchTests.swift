import Foundation
import TidendeTestSupport
import Testing

/// The seed page and generated documents go in through ingest; searches come out of query,
/// both real processes (DESIGN §5, §6). Each test starts its own pair.
@Suite("Search end to end", .enabled(if: seedPageAvailable, Comment(rawValue: seedPageMissing)))
struct SearchTests {
    @Test("Danish stemming: ambassadør finds documents that only say ambassadører")
    func danishStemming() throws {
        let seeded = try SeededCluster()
        let reply = try seeded.search("\"q\":\"ambassadør\",\"limit\":50")
        let ids = Set(reply.hitIDs)
        #expect(ids.contains("art-cyber-tech-ambassadors"), "\(reply)")
        #expect(ids.contains(SeededCluster.pluralOnlyID), "\(reply)")
        // And nothing without the word: the generated documents and the jobs never say it.
        #expect(ids.allSatisfy { $0 == "art-cyber-tech-ambassadors" || $0 == SeededCluster.pluralOnlyID }, "\(reply)")
        #expect(reply.total == ids.count)
    }

    @Test("A plain-text line is the same search as {\"q\": line}")
    func plainTextLine() throws {
        let seeded = try SeededCluster()
        _ = try seeded.search("\"q\":\"\"")  // waits until everything is searchable
        let plain = try seeded.cluster.ask("cyber ambassadør")
        let object = try seeded.cluster.ask("{\"q\":\"cyber ambassadør\"}")
        #expect(plain.ok && object.ok, "\(plain) / \(object)")
        #expect(plain.total == object.total)
        #expect(plain.hitIDs == object.hitIDs)
        #expect(plain.hits.map(\.score) == object.hits.map(\.score))
        #expect(plain.hitIDs.contains("art-cyber-tech-ambassadors"), "\(plain)")
    }

    @Test("A quoted phrase keeps its stop word: \"Master i it\" finds the people news")
    func phraseWithStopWord() throws {
        let seeded = try SeededCluster()
        let reply = try seeded.search("\"q\":\"\\\"Master i it\\\"\",\"limit\":50")
        let expected = Set(seeded.documents.filter { ($0.value["body"] as? String ?? "").contains("Master i it") }.keys)
        #expect(!expected.isEmpty)
        #expect(Set(reply.hitIDs) == expected, "\(reply)")
        #expect(reply.hitIDs.contains("ppl-marie-soendergaard-energinet"))
    }

    @Test("A filter: type = job returns the jobs and only them")
    func filterByType() throws {
        let seeded = try SeededCluster()
        let expected = seeded.ids(where: "type", is: "job")
        let reply = try seeded.search("\"q\":\"\",\"filter\":\"type = job\",\"limit\":100")
        #expect(Set(reply.hitIDs) == expected, "\(reply)")
        #expect(reply.total == expected.count)
        #expect(reply.hits.allSatisfy { $0.doc["type"] as? String == "job" })
        // Combined with words: the seed's jobs at Capgemini.
        let capgemini = try seeded.search("\"q\":\"capgemini\",\"filter\":\"type = job\",\"limit\":100")
        let expectedCapgemini = expected.filter { (seeded.documents[$0]?["employer"] as? String ?? "").contains("Capgemini") }
        #expect(Set(capgemini.hitIDs) == expectedCapgemini, "\(capgemini)")
    }

    @Test("Facets on type count every matching document")
    func facets() throws {
        let seeded = try SeededCluster()
        var expected: [String: Int] = [:]
        for doc in seeded.documents.values { expected[doc["type"] as? String ?? "", default: 0] += 1 }
        let reply = try seeded.search("\"q\":\"\",\"facets\":[\"type\"],\"limit\":0")
        #expect(reply.facet("type") == expected, "\(reply)")
        #expect(reply.total == seeded.documents.count)
        #expect(reply.hits.isEmpty)
        // Facets follow the filter.
        let filtered = try seeded.search("\"q\":\"\",\"filter\":\"type != job\",\"facets\":[\"type\"],\"limit\":0")
        var withoutJobs = expected
        withoutJobs["job"] = nil
        #expect(filtered.facet("type") == withoutJobs, "\(filtered)")
    }

    @Test("Highlight wraps the matched words in <em>")
    func highlight() throws {
        let seeded = try SeededCluster()
        let reply = try seeded.search("\"q\":\"ambassadør\",\"highlight\":true")
        let hit = try #require(reply.hits.first { $0.id == "art-cyber-tech-ambassadors" }, "\(reply)")
        let title = try #require(hit.highlight["title"], "no title highlight: \(reply)")
        #expect(title.contains("<em>"), "\(title)")
        // Every emphasised piece is a form of the word searched for.
        for piece in title.components(separatedBy: "<em>").dropFirst() {
            let word = piece.components(separatedBy: "</em>")[0].lowercased()
            #expect(word.contains("ambassadør"), "\(title)")
        }
        // Without highlight: no highlight member.
        let plain = try seeded.search("\"q\":\"ambassadør\"")
        #expect(plain.hits.allSatisfy { $0.highlight.isEmpty }, "\(plain)")
    }

    @Test("fields projects each hit's document")
    func fieldsProjection() throws {
        let seeded = try SeededCluster()
        let reply = try seeded.search("\"q\":\"\",\"fields\":[\"id\",\"title\"],\"limit\":100")
        #expect(reply.hits.count == seeded.documents.count)
        for hit in reply.hits {
            #expect(Set(hit.doc.keys).isSubset(of: ["id", "title"]), "\(hit.doc)")
            #expect(hit.doc["title"] as? String == seeded.documents[hit.id]?["title"] as? String,
                    "\(hit.id): \(hit.doc)")
        }
    }

    @Test("sort by published_at:desc orders by date, newest first")
    func sortByDate() throws {
        let seeded = try SeededCluster()
        let people = try seeded.search("\"filter\":\"type = people\",\"sort\":[\"published_at:desc\"]")
        let expectedPeople = seeded.ids(where: "type", is: "people").sorted {
            (seeded.documents[$0]?["published_at"] as? String ?? "") > (seeded.documents[$1]?["published_at"] as? String ?? "")
        }
        #expect(people.hitIDs == expectedPeople, "\(people)")
        // The generated documents have dates; the seed article that also says "netværk" has
        // none, and a document without the sort field comes last in either direction.
        let dated = Set(seeded.documents.filter { $0.value["published_at"] != nil }.keys)
        for direction in ["desc", "asc"] {
            let reply = try seeded.search("\"q\":\"netværk\",\"sort\":[\"published_at:\(direction)\"],\"limit\":100")
            let expected = seeded.documents.filter { ($0.value["body"] as? String ?? "").contains("netværk") || ($0.value["title"] as? String ?? "").contains("netværk") }
            let withDate = reply.hits.prefix { dated.contains($0.id) }
            let dates = withDate.map { $0.doc["published_at"] as? String ?? "" }
            #expect(dates.count == 30, "\(direction): \(reply)")
            #expect(dates == (direction == "desc" ? dates.sorted(by: >) : dates.sorted()), "\(direction): \(dates)")
            #expect(reply.hits.dropFirst(withDate.count).allSatisfy { !dated.contains($0.id) }, "\(direction): \(reply.hitIDs)")
            #expect(reply.total == reply.hits.count && reply.hits.count >= expected.count, "\(reply)")
        }
    }

    @Test("count agrees with search totals and with what was ingested")
    func count() throws {
        let seeded = try SeededCluster()
        _ = try seeded.search("\"q\":\"\"")
        let jobs = try seeded.cluster.ask("{\"op\":\"count\",\"filter\":\"type = job\"}")
        #expect(jobs.ok && jobs.int("count") == seeded.ids(where: "type", is: "job").count, "\(jobs)")
        let all = try seeded.cluster.ask("{\"op\":\"count\"}")
        #expect(all.int("count") == seeded.documents.count, "\(all)")
        let words = try seeded.cluster.ask("{\"op\":\"count\",\"q\":\"cyber ambassadør\"}")
        let search = try seeded.search("\"q\":\"cyber ambassadør\",\"exact_total\":true")
        #expect(words.int("count") == search.total, "\(words) vs \(search)")
    }

    @Test("get returns the stored document; an unknown id is not_found")
    func get() throws {
        let seeded = try SeededCluster()
        _ = try seeded.search("\"q\":\"\"")
        for id in ["ppl-per-glentvor-lector", "art-cyber-tech-ambassadors", "gen-7"] {
            let reply = try seeded.cluster.ask("{\"op\":\"get\",\"id\":\(jsonString(id))}")
            #expect(reply.ok && reply.id == id, "\(reply)")
            let doc = try #require(reply.object("doc"), "\(reply)")
            #expect(NSDictionary(dictionary: doc).isEqual(to: seeded.documents[id] ?? [:]), "\(id): \(doc)")
        }
        let missing = try seeded.cluster.ask("{\"op\":\"get\",\"id\":\"no-such-id\"}")
        #expect(!missing.ok && missing.code == "not_found", "\(missing)")
    }

    @Test("get answers the document as stored, like ingest's get and search hits (no re-encoding)")
    func getVerbatim() throws {
        let cluster = try Cluster()
        let stored = #"{"id": "raw-1", "big": 123456789012345678901234567890, "tiny": 1e-400, "text": "\u00e6 ø"}"#
        let ack = try cluster.put([stored])[0]
        let client = try cluster.queryClient()
        try client.send(lines: ["{\"op\":\"get\",\"id\":\"raw-1\",\"min_seq\":\(ack.seq)}"])
        let line = String(decoding: try #require(try client.readLine()), as: UTF8.self)
        #expect(line == #"{"ok":true,"id":"raw-1","seq":\#(ack.seq),"doc":\#(stored)}"#)
        let hit = try cluster.ask("{\"q\":\"\",\"filter\":\"id = raw-1\"}")
        #expect(hit.hitIDs == ["raw-1"], "\(hit)")
    }

    @Test("suggest completes a prefix with indexed words, most frequent first")
    func suggest() throws {
        let seeded = try SeededCluster()
        _ = try seeded.search("\"q\":\"\"")
        let reply = try seeded.cluster.ask("{\"op\":\"suggest\",\"prefix\":\"amb\",\"limit\":5}")
        let items = reply["suggestions"] as? [[String: Any]] ?? []
        #expect(reply.ok && !items.isEmpty, "\(reply)")
        let terms = items.compactMap { $0["term"] as? String }
        let counts = items.compactMap { ($0["count"] as? NSNumber)?.intValue }
        #expect(terms.allSatisfy { $0.hasPrefix("amb") }, "\(terms)")
        #expect(terms.contains { $0.hasPrefix("ambassadør") }, "\(terms)")
        #expect(counts == counts.sorted(by: >), "\(counts)")
        #expect(items.count <= 5)
        // The generated marker words: `zqb…` begins markers 0, 20, …; with 30 documents only two.
        let markers = try seeded.cluster.ask("{\"op\":\"suggest\",\"prefix\":\"zqb\"}")
        let markerTerms = Set((markers["suggestions"] as? [[String: Any]] ?? []).compactMap { $0["term"] as? String })
        let expected = Set((0..<30).map(Documents.marker).filter { $0.hasPrefix("zqb") })
        #expect(markerTerms == expected, "\(markers)")
    }

    @Test("analyze joins the suspended hyphen: cyber- og tech-ambassadører")
    func analyze() throws {
        let seeded = try SeededCluster(generated: 0)
        let reply = try seeded.cluster.ask("{\"op\":\"analyze\",\"text\":\"cyber- og tech-ambassadører\",\"lang\":\"da\"}")
        #expect(reply.ok && reply["lang"] as? String == "da", "\(reply)")
        let tokens = reply["tokens"] as? [[String: Any]] ?? []
        let terms = tokens.compactMap { $0["term"] as? String }
        #expect(terms.contains("cyberambassadører"), "\(terms)")
        #expect(terms.contains("techambassadører"), "\(terms)")
        #expect(terms.contains("ambassadører"), "\(terms)")
        let og = tokens.first { $0["term"] as? String == "og" }
        #expect(og?["stop"] as? Bool == true, "\(tokens)")
        let stem = tokens.first { $0["term"] as? String == "ambassadører" }?["stem"] as? String
        #expect(stem == "ambassadør", "\(tokens)")
        // Byte offsets point into the text.
        let text = Array("cyber- og tech-ambassadører".utf8)
        for token in tokens {
            let start = (token["start"] as? NSNumber)?.intValue ?? -1
            let end = (token["end"] as? NSNumber)?.intValue ?? -1
            #expect(0 <= start && start < end && end <= text.count, "\(token)")
        }
    }

    @Test("stats counts the documents and reaches the last acked seq")
    func stats() throws {
        let seeded = try SeededCluster()
        _ = try seeded.search("\"q\":\"\"")
        let stats = try seeded.cluster.queryStats()
        #expect(stats.ok && stats.op == "stats", "\(stats)")
        #expect(stats.int("documents") == seeded.documents.count, "\(stats)")
        #expect(stats.seq == seeded.lastSeq, "\(stats)")
        #expect(stats.bool("feed_connected") == true, "\(stats)")
        #expect(stats.int("lag_seq") == 0, "\(stats)")
        #expect((stats.int("terms") ?? 0) > 0, "\(stats)")
    }
}
