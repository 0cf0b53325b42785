import TidendeModels

/// A segment's original documents as compact JSON text, each compressed on its own (raw
/// deflate, level 1), so fetching one hit inflates only that document, and a hit can be sent
/// on as the very bytes stored, with no decoding or re-encoding.
final class StoredDocuments: Sendable {
    let bytes: [UInt8]
    /// `offsets[d] ..< offsets[d + 1]` is document `d`'s compressed form.
    let offsets: [UInt32]
    let originalSizes: [UInt32]

    init(bytes: [UInt8], offsets: [UInt32], originalSizes: [UInt32]) {
        self.bytes = bytes
        self.offsets = offsets
        self.originalSizes = originalSizes
    }

    /// The stored JSON text of document `d`.
    func json(_ d: Int, decompressor: Decompressor = Decompressor()) throws(EngineError) -> [UInt8] {
        let result: Result<[UInt8], EngineError> = bytes.withUnsafeBytes { all in
            let slice = UnsafeRawBufferPointer(rebasing: all[Int(offsets[d])..<Int(offsets[d + 1])])
            do throws(EngineError) {
                return .success(try decompressor.decompress(slice, originalSize: Int(originalSizes[d])))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Document `d`, parsed.
    func document(_ d: Int, decompressor: Decompressor = Decompressor()) throws(EngineError) -> JSONValue {
        let text = try json(d, decompressor: decompressor)
        do {
            return try JSONValue.parse(text)
        } catch {
            throw .corrupt("stored document \(d) is not valid JSON: \(error)")
        }
    }

    func compressed(_ d: Int) -> ArraySlice<UInt8> { bytes[Int(offsets[d])..<Int(offsets[d + 1])] }

    var memoryBytes: Int { bytes.count + offsets.count * 8 }
}

/// Accumulates compressed documents.
struct StoredDocumentsBuilder {
    var bytes: [UInt8] = []
    var offsets: [UInt32] = [0]
    var originalSizes: [UInt32] = []

    mutating func add(compressed: some Collection<UInt8>, originalSize: Int) {
        bytes.append(contentsOf: compressed)
        offsets.append(UInt32(bytes.count))
        originalSizes.append(UInt32(originalSize))
    }

    /// Appends every document of `stored`.
    mutating func addAll(_ stored: StoredDocuments) {
        let first = stored.offsets[0], n = stored.originalSizes.count
        guard n > 0 else { return }
        let shift = UInt32(bytes.count) &- first
        bytes.append(contentsOf: stored.bytes[Int(first)..<Int(stored.offsets[n])])
        offsets.append(contentsOf: stored.offsets[1...n].lazy.map { $0 &+ shift })
        originalSizes.append(contentsOf: stored.originalSizes)
    }

    func build() -> StoredDocuments {
        StoredDocuments(bytes: bytes, offsets: offsets, originalSizes: originalSizes)
    }
}
