import TidendeTestSupport
import Testing

@Suite("Ingest stats")
struct StatsTests {
    /// `commits` counts the transactions that stored changes: a get, a sync, a delete of an
    /// absent id and the end of a connection (its summary barrier) write nothing.
    @Test("commits counts stored changes only")
    func commitsCountStoredChanges() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let client = try server.connect()
        try client.send("{\"id\":\"a\",\"title\":\"x\"}\n")
        #expect(try client.readObject().seq == 1)
        let before = try #require(try server.stats().int("commits"))
        try client.send("{\"op\":\"get\",\"id\":\"a\"}\n{\"op\":\"sync\"}\n{\"op\":\"delete\",\"id\":\"absent\"}\n")
        for _ in 0..<3 { _ = try client.readObject() }
        _ = try server.stats()
        #expect(try server.stats().int("commits") == before)
        try client.send("{\"id\":\"b\"}\n")
        #expect(try client.readObject().seq == 2)
        #expect(try server.stats().int("commits") == before + 1)
    }
}
