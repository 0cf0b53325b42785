import TidendeModels

/// A segment's original documents, each compressed on its own (raw deflate, level 1, of the
/// binary `JSONValue` form), so fetching one hit inflates only that document.
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

    func document(_ d: Int, inflater: Inflater = Inflater()) throws(EngineError) -> JSONValue {
        let result: Result<[UInt8], EngineError> = bytes.withUnsafeBytes { all in
            let slice = UnsafeRawBufferPointer(rebasing: all[Int(offsets[d])..<Int(offsets[d + 1])])
            do throws(EngineError) {
                return .success(try inflater.decompress(slice, originalSize: Int(originalSizes[d])))
            } catch {
                return .failure(error)
            }
        }
        let raw = try result.get()
        var reader = ByteReader(raw)
        return try JSONValue.decodeBinary(from: &reader)
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

    func build() -> StoredDocuments {
        StoredDocuments(bytes: bytes, offsets: offsets, originalSizes: originalSizes)
    }
}
