import Foundation
import GRDB

/// The durable store: one SQLite database (WAL, `synchronous=FULL`) holding the latest version of
/// every document, keyed by the `seq` of the change that wrote it.
///
/// ```
/// docs(seq INTEGER PRIMARY KEY, id TEXT UNIQUE, doc BLOB)   -- doc NULL = tombstone (deleted)
/// meta(key TEXT PRIMARY KEY, value INTEGER)                  -- horizon, store
/// ```
/// An upsert replaces the row of its id with a new row at the new `seq`, so superseded versions are
/// compacted away as they happen, and "all rows with `seq >= N` in order" is an exact replay of
/// everything that changed since N: the feed reads straight from this table. Tombstones keep
/// deletes replayable; purging old ones moves the `horizon`, and a subscriber whose state is
/// older than the horizon must be reset (DESIGN §4).
public final class DocumentStore: Sendable {
    public let path: String
    let pool: DatabasePool
    /// A random id given to the store when it is created: the feed names it, so a query replica
    /// that followed another store (the file was replaced) is reset instead of mixing the two.
    public let storeID: Int64

    /// One change, as stored and as the feed sends it.
    public struct Change: Sendable {
        public var seq: Int64
        public var id: String
        /// The document's JSON bytes, or nil for a delete.
        public var document: [UInt8]?
    }

    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = (directory as NSString).appendingPathComponent("ingest.sqlite")
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        config.maximumReaderCount = 8
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            // SQLite's "unable to open database file" names neither the file nor the reason.
            throw StoreOpenError(path: path, underlying: error)
        }
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS docs(
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    doc BLOB
                );
                CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                """)
            try db.execute(sql: "INSERT OR IGNORE INTO meta(key, value) VALUES('store', ?)",
                           arguments: [Int64.random(in: 1...Int64.max)])
        }
        storeID = try pool.read { db in try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'store'") ?? 0 }
    }

    /// The last committed `seq` (0 for an empty store).
    public func head() throws -> Int64 {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM docs") ?? 0 }
    }

    /// Counts read at start-up: live documents, tombstones, head.
    public func census() throws -> (live: Int, tombstones: Int, head: Int64) {
        try pool.read { db in
            let live = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM docs WHERE doc IS NOT NULL") ?? 0
            let dead = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM docs WHERE doc IS NULL") ?? 0
            let maxSeq = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM docs") ?? 0
            return (live, dead, maxSeq)
        }
    }

    /// The replay horizon: changes before it may have lost their tombstones.
    public func horizon() throws -> Int64 {
        try pool.read { db in try Self.horizon(db) }
    }

    static func horizon(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'horizon'") ?? 0
    }

    /// Changes with `seq >= from`, in seq order: at most `limit` of them, and no more once their
    /// documents pass `maxBytes` (the first is always read); tombstones with
    /// `seq <= skipTombstonesThrough` are left out (a reset's snapshot phase). With them, the
    /// horizon, read in the same transaction: the page lacks no tombstone at or after the
    /// horizon, so a reader that needs older ones (it fell behind a purge) must start again from
    /// a reset. Runs on a reader connection: never blocks the writer.
    public func page(from: Int64, limit: Int, maxBytes: Int = .max,
                     skipTombstonesThrough: Int64 = 0) throws -> (changes: [Change], horizon: Int64) {
        try pool.read { db in
            let horizon = try Self.horizon(db)
            let stmt = try db.cachedStatement(
                sql: "SELECT seq, id, doc FROM docs WHERE seq >= ? AND (doc IS NOT NULL OR seq > ?) ORDER BY seq LIMIT ?")
            var out: [Change] = []
            out.reserveCapacity(min(limit, 4096))
            let rows = try Row.fetchCursor(stmt, arguments: [from, skipTombstonesThrough, limit])
            var bytes = 0
            while bytes < maxBytes, let row = try rows.next() {
                let data: Data? = row[2]
                bytes += data?.count ?? 0
                out.append(Change(seq: row[0], id: row[1], document: data.map { [UInt8]($0) }))
            }
            return (out, horizon)
        }
    }

    /// The stored bytes of a live document, or nil.
    public func document(id: String) throws -> [UInt8]? {
        try pool.read { db in try Self.document(db, id: id) }
    }

    static func document(_ db: Database, id: String) throws -> [UInt8]? {
        let stmt = try db.cachedStatement(sql: "SELECT doc FROM docs WHERE id = ?")
        let data = try Data.fetchOne(stmt, arguments: [id])
        return data.map { [UInt8]($0) }
    }

    /// Removes tombstones older than `before` and moves the replay horizon there.
    /// Returns how many tombstones were purged.
    @discardableResult
    public func purgeTombstones(before: Int64) throws -> Int {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM docs WHERE doc IS NULL AND seq < ?", arguments: [before])
            let n = db.changesCount
            try db.execute(
                sql: "INSERT INTO meta(key, value) VALUES('horizon', ?) ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)",
                arguments: [before])
            return n
        }
    }

    /// Bytes the database occupies on disk (main file + WAL).
    public func diskBytes() -> Int64 {
        var total: Int64 = 0
        for suffix in ["", "-wal", "-shm"] {
            if let attrs = try? FileManager.default.attributesOfItem(atPath: path + suffix),
               let size = attrs[.size] as? NSNumber {
                total += size.int64Value
            }
        }
        return total
    }
}

/// The store's database could not be opened, said with its path and what stands in the way.
public struct StoreOpenError: Error, CustomStringConvertible {
    public let path: String
    public let underlying: Error

    public var description: String {
        let directory = (path as NSString).deletingLastPathComponent
        let writable = FileManager.default.isWritableFile(atPath: directory)
        return "cannot open the store \(path): \(underlying)"
            + (writable ? "" : " (the directory \(directory) is not writable by this user)")
    }
}

