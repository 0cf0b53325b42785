extension JSONWriter {
    /// Writes any ``JSONValue`` (objects keep their member order, duplicates included).
    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let b): self.value(b)
        case .integer(let i): self.value(i)
        case .number(let d): self.value(d)
        case .string(let s): self.value(s)
        case .array(let elements):
            beginArray()
            for element in elements { self.value(element) }
            endArray()
        case .object(let members):
            beginObject()
            for (key, member) in members {
                self.key(key)
                self.value(member)
            }
            endObject()
        }
    }
}

extension JSONValue {
    /// The value as compact JSON text (UTF-8 bytes, no trailing newline).
    public func jsonBytes() -> [UInt8] {
        var writer = JSONWriter()
        writer.value(self)
        return writer.bytes
    }

    /// The value as compact JSON text.
    public var jsonText: String {
        String(decoding: jsonBytes(), as: UTF8.self)
    }
}
