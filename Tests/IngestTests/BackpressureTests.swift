import Foundation
import TidendeTestSupport
import Testing

/// A client that uploads without reading its replies must be slowed down (TCP backpressure), not
/// buffered for: memory per connection stays bounded (STYLE: bound everything from the network).
@Suite("Backpressure")
struct BackpressureTests {
    @Test("a client that never reads its acks does not make the server's memory grow without bound")
    func unreadRepliesAreBounded() throws {
        let server = try IngestProcess()
        defer { server.stop() }
        let count = 300_000
        let client = try server.connect(timeout: 60, receiveBuffer: 4096)
        let docs = (0..<count).map { "{\"id\":\($0)}" }
        let writer = client.sendInBackground(Corpus.ndjson(docs))
        // Wait until every document is stored or the server has stopped taking more (its seq
        // holds still for three seconds: a busy machine can pause it for one); either way
        // nothing is read yet.
        var lastSeq: Int64 = -1
        var stillFor = 0
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            let seq = try server.stats().seq ?? 0
            if seq == Int64(count) { break }
            stillFor = seq == lastSeq ? stillFor + 1 : 0
            if stillFor >= 3 { break }
            lastSeq = seq
            usleep(1_000_000)
        }
        let peakKiB = try #require(server.peakResidentKiB())
        #expect(peakKiB < 120 * 1024,
                "\(count) unread acks (~\(count * 30 / 1_000_000) MB of JSON) took the server to \(peakKiB / 1024) MiB peak RSS")
        // Then the client reads: every ack arrives, in order.
        let seqs = try expectAcks(client, ids: (0..<count).map(String.init))
        #expect(seqs.last == Int64(count))
        #expect(writer.wait().error == nil)
    }
}
