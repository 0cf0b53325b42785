import TidendeAnalysis
import TidendeModels

/// A document analysed and compressed, ready for the index writer to invert: everything about
/// one document that does not need the index itself.
///
/// Preparing is most of the cost of indexing (flattening, language detection, tokenising,
/// stemming, compressing the stored form), and it needs no lock: a `DocumentPreparer` on one
/// thread can prepare the next documents while the writer inverts the previous ones
/// (`Engine.upsert(_:seq:)`). `Engine.upsert(id:document:seq:json:)` does both steps in one.
public struct PreparedDocument: Sendable {
    let id: String
    let language: Language
    let recency: Double
    /// Text fields in document order: the path and the end of its tokens in `tokens` (each
    /// field's tokens start where the previous field's end).
    let fields: [(path: String, end: Int)]
    /// Term and stem ids are the preparer's (`log`), or the writer's own when `log` is nil.
    let tokens: [AnalyzedToken]
    let values: [(field: String, values: [DocValue])]
    /// The stored form: compressed, or the JSON text still to compress (the writer then does it;
    /// see `prepare(…compress:)`).
    let stored: Stored
    let originalSize: Int
    /// The dictionary the stored form is (or is to be) compressed with.
    let dictionary: StoredDictionary?

    enum Stored: Sendable {
        case compressed([UInt8])
        case text([UInt8])
    }
    let log: TermLog?
}

/// Prepares documents for one engine configuration; one per thread (not thread-safe), any
/// number per engine. Its term ids are its own: the writer maps them to its own ids through
/// the preparer's shared `TermLog`, once per distinct word.
public final class DocumentPreparer {
    let config: EngineConfig
    let analyzer: Analyzer
    let cache: StemCache
    private let compressor = Compressor()
    /// Stored texts gathered to train `dictionary` (until it is trained).
    private var samples: [[UInt8]] = []
    private var dictionary: StoredDictionary?
    private var trainingDone = false

    /// A preparer for documents of an engine with this configuration (`Engine.makePreparer()`).
    public convenience init(config: EngineConfig = EngineConfig(), analyzer: Analyzer = Analyzer()) {
        self.init(config: config, analyzer: analyzer, cache: StemCache(expectedTerms: 1 << 16, shared: true))
    }

    /// A preparer interning into `cache`: the writer's own (unshared) cache gives documents
    /// whose ids need no mapping.
    init(config: EngineConfig, analyzer: Analyzer, cache: StemCache) {
        self.config = config
        self.analyzer = analyzer
        self.cache = cache
    }

    /// Analyses `document` (whose id is `id`) and compresses its stored form: `json` when given
    /// (the document's own JSON text, stored as is), else the document encoded. With `compress`
    /// false the text is left for the writer to compress: a pipeline whose writer waits for work
    /// moves that part of the cost to it.
    public func prepare(id: String, document: JSONValue, json: [UInt8]? = nil, compress: Bool = true) -> PreparedDocument {
        var flat = FlatDocument(document, config: config)
        let language = FlatDocument.language(of: document, texts: flat.texts, config: config, analyzer: analyzer, cache: cache)
        flat.keepLanguage(language, config: config)
        var tokens: [AnalyzedToken] = []
        var fields: [(path: String, end: Int)] = []
        fields.reserveCapacity(flat.texts.count)
        for (path, values) in flat.texts {
            // Positions continue across an array's elements, spaced so no phrase spans two.
            var base: Int32 = 0
            for value in values {
                let first = tokens.count
                analyzer.analyze(value, language: language, cache: cache, into: &tokens)
                guard tokens.count > first else { continue }
                if base > 0 { for i in first..<tokens.count { tokens[i].position += base } }
                base = tokens[tokens.count - 1].position + 1 + Int32(arrayPositionGap)
            }
            fields.append((path, tokens.count))
        }
        let text = json ?? document.jsonBytes()
        if !trainingDone && config.storedDictionaryAfter > 0 {
            samples.append(text)
            if samples.count >= config.storedDictionaryAfter {
                dictionary = StoredDictionary.train(samples)
                samples = []
                trainingDone = true
            }
        }
        return PreparedDocument(
            id: id, language: language, recency: FlatDocument.recency(of: document, config: config),
            fields: fields, tokens: tokens, values: flat.values,
            stored: compress ? .compressed(compressor.compress(text, dictionary: dictionary)) : .text(text),
            originalSize: text.count, dictionary: dictionary, log: cache.log)
    }
}

/// The writer's map from one preparer's term ids to its own, filled as words first appear.
struct TermTranslation {
    let log: TermLog
    private var map: [StemCache.TermID] = []

    init(log: TermLog) { self.log = log }

    /// The writer's id (in `cache`) of the preparer's term `id`.
    @inline(__always)
    mutating func callAsFunction(_ id: StemCache.TermID, cache: StemCache) -> StemCache.TermID {
        let i = Int(id)
        if i < map.count, map[i] >= 0 { return map[i] }
        if i >= map.count { map.append(contentsOf: repeatElement(-1, count: i + 1 - map.count)) }
        let mine = cache.intern(log.string(id))
        map[i] = mine
        return mine
    }
}
