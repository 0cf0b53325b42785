#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import TidendeAnalysis

/// The engine's published state as one file:
///
/// ```
/// "TIDSNAP\0"  version:u32  byte-order mark:u32  payload length:u64  CRC-32 of payload:u32
/// payload: seq, origin, field names, segments (flat arrays as stored in memory), deletions
/// ```
///
/// Version 6 keeps postings in bit-packed blocks (see `Postings`); version 5 had varint blocks.
///
/// Each array is its count, then its memory either raw or as one zstd frame (level 1), of the
/// values or, for integers that never decrease, of their differences (`ArrayEncoding`): the
/// index's arrays (postings, positions, doc values, lengths, ids, words) are compressed, the
/// stored documents, compressed already, are not.
///
/// Loading checks magic, version, byte order, length and checksum before it builds anything, so
/// a corrupt, truncated or foreign file is refused whole. Postings and doc values are read back
/// as flat arrays (decompressed straight into them): nothing is analysed again.
enum Snapshot {
    static let magic: [UInt8] = Array("TIDSNAP\0".utf8)
    static let version: UInt32 = 6
    static let byteOrderMark: UInt32 = 0x0102_0304
    static let headerSize = 8 + 4 + 4 + 8 + 4
    /// Arrays this large or larger are compressed (smaller ones would gain a few bytes at most).
    static let compressedArrayBytes = 1 << 10

    /// Encodes `view` piece by piece (the preamble, then one segment at a time), handing each
    /// piece to `emit` and reusing one buffer, so writing a snapshot never holds more than the
    /// largest segment's encoding in memory. Returns the header for the emitted payload.
    static func encode(_ view: IndexView, origin: Int64?,
                       emit: @escaping (UnsafeRawBufferPointer) throws(EngineError) -> Void) throws(EngineError) -> [UInt8] {
        let sink = Sink(emit: emit)
        sink.w.u64(view.seq)
        sink.w.u8(origin == nil ? 0 : 1)
        sink.w.u64(UInt64(bitPattern: origin ?? 0))
        sink.w.varint(UInt64(view.fields.names.count))
        for name in view.fields.names { sink.w.string(name) }
        sink.w.varint(UInt64(view.segments.count))
        for sv in view.segments { try encode(sv, into: sink) }
        try sink.flush()
        var out = ByteWriter(capacity: headerSize)
        out.bytes.append(contentsOf: magic)
        out.u32(version)
        out.u32(byteOrderMark)
        out.u64(sink.length)
        out.u32(sink.crc)
        return out.bytes
    }

    /// Where an encoding goes: small values gather in a buffer; a large array goes out straight
    /// from its own memory, so writing a snapshot needs no copy of a segment (which would double
    /// the memory of a one-segment index while it is written).
    private final class Sink {
        var w = ByteWriter()
        var crc: UInt32 = 0
        var length: UInt64 = 0
        let compressor = Compressor(level: 1)
        let emit: (UnsafeRawBufferPointer) throws(EngineError) -> Void

        init(emit: @escaping (UnsafeRawBufferPointer) throws(EngineError) -> Void) { self.emit = emit }

        func out(_ raw: UnsafeRawBufferPointer) throws(EngineError) {
            crc = Checksum.crc32(raw, initial: crc)
            length += UInt64(raw.count)
            try emit(raw)
        }

        func flush() throws(EngineError) {
            let bytes = w.bytes
            w.bytes.removeAll(keepingCapacity: true)
            let result: Result<Void, EngineError> = bytes.withUnsafeBytes { raw in
                do throws(EngineError) { try out(raw); return .success(()) } catch { return .failure(error) }
            }
            try result.get()
        }

        /// What `ByteReader.array` reads: arrays under `compressedArrayBytes` raw, larger ones as
        /// a zstd frame (of their differences when they never decrease) written piece by piece
        /// from their own memory (a non-decreasing one from a copy of its differences: such
        /// arrays, offsets and starts, are a small part of a segment).
        func array<T: BitwiseCopyable>(_ values: [T]) throws(EngineError) {
            guard MemoryLayout<T>.stride * values.count >= Snapshot.compressedArrayBytes else { return w.array(values) }
            let deltas = ArrayEncoding.deltas(values)
            w.u64(UInt64(values.count))
            w.u8((deltas != nil ? ArrayEncoding.zstdDeltas : .zstd).rawValue)
            try flush()
            let result: Result<Void, EngineError> = (deltas ?? values).withUnsafeBytes { raw in
                do throws(EngineError) {
                    try compressor.frame(raw) { (piece: UnsafeRawBufferPointer) throws(EngineError) in try out(piece) }
                    return .success(())
                } catch { return .failure(error) }
            }
            try result.get()
        }

        /// Strings as a table (their bytes end to end, and the offsets): two arrays that compress.
        func strings(_ values: [String]) throws(EngineError) {
            try table(StringTable(values))
        }

        func table(_ table: StringTable) throws(EngineError) {
            try array(table.bytes)
            try array(table.offsets)
        }
    }

    private static func encode(_ sv: SegmentView, into sink: Sink) throws(EngineError) {
        let s = sv.segment
        try sink.strings(s.ids)
        try sink.array(s.seqs)
        try sink.array(s.recency)
        try sink.array(s.languages)
        try sink.array(s.terms.keyBytes)
        try sink.array(s.terms.keyOffsets)
        let p = s.postings
        for a in [p.termFirstBlock, p.termDocFreq, p.blockLastDoc, p.blockDocOffset, p.blockPosOffset,
                  p.blockMaxTf, p.blockMinLength] { try sink.array(a) }
        try sink.array(p.docBytes)
        try sink.array(p.positionBytes)
        sink.w.varint(UInt64(s.fieldLengths.count))
        for (f, lengths) in s.fieldLengths.sorted(by: { $0.key < $1.key }) {
            sink.w.varint(UInt64(f))
            try sink.array(lengths)
        }
        sink.w.varint(UInt64(s.docValues.count))
        for (f, c) in s.docValues.sorted(by: { $0.key < $1.key }) {
            sink.w.varint(UInt64(f))
            try sink.array(c.docStart)
            try sink.array(c.kinds)
            try sink.array(c.numbers)
            try sink.array(c.ordinals)
            try sink.table(c.strings)
        }
        // Stored documents: the dictionaries, each document's group (0: none, k: dictionary k),
        // then per group its documents end to end (as `ByteWriter.array` writes an array).
        let (dictionaries, docGroup) = s.stored.groups()
        sink.w.varint(UInt64(dictionaries.count))
        for d in dictionaries { try sink.array(d.bytes) }
        try sink.array(docGroup)
        let lengths = s.stored.lengths
        for g in 0...dictionaries.count {
            let inGroup = { (d: Int) in docGroup[d] == UInt16(g) }
            sink.w.u64(UInt64((0..<lengths.count).reduce(0) { inGroup($1) ? $0 + Int(lengths[$1]) : $0 }))
            sink.w.u8(ArrayEncoding.raw.rawValue)
            try sink.flush()
            try s.stored.forEachRun(including: inGroup) { (run: UnsafeRawBufferPointer) throws(EngineError) in try sink.out(run) }
        }
        try sink.array(lengths)
        try sink.array(s.stored.originalSizes)
        try sink.strings(s.words)
        try sink.array(s.wordCounts)
        let d = sv.deletions
        try sink.array(d.bits)
        sink.w.varint(UInt64(d.count))
        sink.w.varint(UInt64(d.termDocFreq.count))
        for (t, n) in d.termDocFreq.sorted(by: { $0.key < $1.key }) {
            sink.w.varint(UInt64(t))
            sink.w.varint(UInt64(n))
        }
        sink.w.varint(UInt64(d.fieldTotals.count))
        for (f, t) in d.fieldTotals.sorted(by: { $0.key < $1.key }) {
            sink.w.varint(UInt64(f))
            sink.w.u64(t.length)
            sink.w.varint(UInt64(t.documents))
        }
    }

    static func decode(_ bytes: [UInt8]) throws(EngineError) -> (view: IndexView, origin: Int64?) {
        guard bytes.count >= headerSize, Array(bytes[0..<8]) == magic else {
            throw .corrupt("not a Tidende snapshot (bad magic header)")
        }
        var r = ByteReader(bytes, offset: 8)
        let v = try r.u32()
        guard v == version else {
            throw EngineError(code: "snapshot_version", message: "snapshot format version \(v), this engine reads version \(version)")
        }
        guard try r.u32() == byteOrderMark else { throw .corrupt("snapshot written with another byte order") }
        let length = try r.u64()
        let crc = try r.u32()
        guard UInt64(bytes.count - headerSize) == length else {
            throw .corrupt("snapshot is \(bytes.count - headerSize) bytes long, header says \(length) (truncated?)")
        }
        let actual = bytes.withUnsafeBytes { Checksum.crc32(UnsafeRawBufferPointer(rebasing: $0[headerSize...])) }
        guard actual == crc else { throw .corrupt("snapshot checksum mismatch") }

        let seq = try r.u64()
        let hasOrigin = try r.u8()
        let origin = Int64(bitPattern: try r.u64())
        guard hasOrigin <= 1 else { throw .corrupt("snapshot origin flag \(hasOrigin)") }
        var fields = FieldRegistry()
        for _ in 0..<(try r.count()) { _ = fields.intern(try r.string()) }
        var segments: [SegmentView] = []
        for _ in 0..<(try r.count()) { segments.append(try decodeSegment(&r)) }
        guard r.isAtEnd else { throw .corrupt("trailing bytes after the last segment") }
        return (IndexView(segments: segments, fields: fields, seq: seq), hasOrigin == 1 ? origin : nil)
    }

    private static func decodeSegment(_ r: inout ByteReader) throws(EngineError) -> SegmentView {
        let ids = try strings(&r)
        let n = ids.count
        let seqs = try r.array(of: UInt64.self)
        let recency = try r.array(of: Double.self)
        let languages = try r.array(of: UInt8.self)
        let terms = TermDictionary(keyBytes: try r.array(of: UInt8.self), keyOffsets: try r.array(of: UInt32.self))
        var u32s: [[UInt32]] = []
        for _ in 0..<7 { u32s.append(try r.array(of: UInt32.self)) }
        let docBytes = try r.array(of: UInt8.self), positionBytes = try r.array(of: UInt8.self)
        let postings = Postings(termFirstBlock: u32s[0], termDocFreq: u32s[1], blockLastDoc: u32s[2],
                                blockDocOffset: u32s[3], blockPosOffset: u32s[4], blockMaxTf: u32s[5],
                                blockMinLength: u32s[6], docBytes: docBytes, positionBytes: positionBytes)
        var lengths: [UInt16: [UInt32]] = [:]
        for _ in 0..<(try r.count()) {
            let f = UInt16(truncatingIfNeeded: try r.varint())
            lengths[f] = try r.array(of: UInt32.self)
        }
        var columns: [UInt16: DocValuesColumn] = [:]
        for _ in 0..<(try r.count()) {
            let f = UInt16(truncatingIfNeeded: try r.varint())
            let docStart = try r.array(of: UInt32.self)
            let kinds = try r.array(of: UInt8.self)
            let numbers = try r.array(of: Double.self)
            let ordinals = try r.array(of: Int32.self)
            let strings = StringTable(bytes: try r.array(of: UInt8.self), offsets: try r.array(of: UInt32.self))
            guard strings.isWellFormed, ordinals.allSatisfy({ $0 < strings.count }) else { throw .corrupt("doc-value strings disagree") }
            columns[f] = DocValuesColumn(docStart: docStart, kinds: kinds, numbers: numbers, ordinals: ordinals, strings: strings)
        }
        var dictionaries: [StoredDictionary] = []
        for _ in 0..<(try r.count()) {
            guard let d = StoredDictionary(bytes: try r.array(of: UInt8.self)) else { throw .corrupt("unusable stored-document dictionary") }
            dictionaries.append(d)
        }
        let docGroup = try r.array(of: UInt16.self)
        var groupBytes: [[UInt8]] = []
        for _ in 0...dictionaries.count { groupBytes.append(try r.array(of: UInt8.self)) }
        guard let stored = StoredDocuments.restore(dictionaries: dictionaries, docGroup: docGroup, groupBytes: groupBytes,
                                                   lengths: try r.array(of: UInt32.self),
                                                   originalSizes: try r.array(of: UInt32.self))
        else { throw .corrupt("stored documents disagree with their lengths") }
        let words = try strings(&r)
        let wordCounts = try r.array(of: UInt32.self)
        // Cross-checks, so a file that passed its checksum but is inconsistent is still refused.
        guard seqs.count == n, recency.count == n, languages.count == n, stored.count == n, stored.isConsistent,
              words.count == wordCounts.count, lengths.values.allSatisfy({ $0.count == n }),
              columns.values.allSatisfy({ $0.docStart.count == n + 1 && $0.ordinals.count == $0.kinds.count
                  && ($0.numbers.isEmpty || $0.numbers.count == $0.kinds.count) }),
              postings.termFirstBlock.count == terms.count + 1
        else { throw .corrupt("segment arrays disagree in length") }
        if let problem = postings.inconsistency(docCount: n) { throw .corrupt(problem) }
        var deletions = Deletions(docCount: n)
        deletions.bits = try r.array(of: UInt64.self)
        guard deletions.bits.count == (n + 63) / 64 else { throw .corrupt("deletion set has the wrong size") }
        deletions.count = try r.count()
        for _ in 0..<(try r.count()) {
            let t = Int32(truncatingIfNeeded: try r.varint())
            deletions.termDocFreq[t] = Int32(truncatingIfNeeded: try r.varint())
        }
        for _ in 0..<(try r.count()) {
            let f = UInt16(truncatingIfNeeded: try r.varint())
            let length = try r.u64()
            deletions.fieldTotals[f] = FieldTotals(length: length, documents: try r.count())
        }
        let segment = Segment(ids: ids, seqs: seqs, recency: recency, languages: languages, terms: terms,
                              postings: postings, fieldLengths: lengths, docValues: columns, stored: stored,
                              words: words, wordCounts: wordCounts)
        return SegmentView(segment: segment, deletions: deletions)
    }

    /// Reads what `Sink.strings` wrote.
    private static func strings(_ r: inout ByteReader) throws(EngineError) -> [String] {
        let table = StringTable(bytes: try r.array(of: UInt8.self), offsets: try r.array(of: UInt32.self))
        guard table.isWellFormed else { throw .corrupt("string table offsets disagree with its bytes") }
        return (0..<table.count).map { table[$0] }
    }
}

extension Engine {
    /// Writes the published state (call `refresh` first) atomically (`AtomicFile`): a crash
    /// leaves the previous snapshot intact. `origin` is the caller's own tag for where the
    /// documents came from (the query service: its ingest store's id), kept in the same file so
    /// the two can never disagree; `loadSnapshot` gives it back as `snapshotOrigin`.
    public func writeSnapshot(to path: String, origin: Int64? = nil) throws(EngineError) {
        try AtomicFile.replace(path) { (file: AtomicFile.Writer) throws(EngineError) -> Bool in
            // The header (length and CRC of the payload) is known last: leave room, fill it in after.
            guard [UInt8](repeating: 0, count: Snapshot.headerSize).withUnsafeBytes({ file.write($0) }) else { return false }
            let header = try Snapshot.encode(publishedView, origin: origin) { (piece: UnsafeRawBufferPointer) throws(EngineError) in
                guard file.write(piece) else { throw .io("cannot write \(path).tmp") }
            }
            return header.withUnsafeBytes { file.write($0, at: 0) }
        }
    }

    /// Loads a snapshot written by `writeSnapshot`; refuses (throws) a corrupt, truncated or
    /// other-version file without building anything. The engine resumes at the file's `seq`.
    public static func loadSnapshot(from path: String, config: EngineConfig = EngineConfig(),
                                    analyzer: Analyzer = Analyzer()) throws(EngineError) -> Engine {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .io("cannot open \(path)") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io("cannot stat \(path)") }
        let size = Int(st.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var got = 0
        let ok = bytes.withUnsafeMutableBytes { raw -> Bool in
            while got < size {
                let n = read(fd, raw.baseAddress! + got, size - got)
                if n <= 0 { return false }
                got += n
            }
            return true
        }
        guard ok else { throw .io("cannot read \(path)") }
        let (view, origin) = try Snapshot.decode(bytes)
        return Engine(config: config, analyzer: analyzer, restoring: view, origin: origin)
    }
}
