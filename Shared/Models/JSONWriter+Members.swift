// Members: a key and its value in one call, the way replies are usually written.
extension JSONWriter {
    /// Writes `"key":value`.
    public mutating func member(_ key: String, _ value: Bool) { self.key(key); self.value(value) }
    /// Writes `"key":"value"`.
    public mutating func member(_ key: String, _ value: String) { self.key(key); self.value(value) }
    /// Writes `"key":value`.
    public mutating func member(_ key: String, _ value: Int) { self.key(key); self.value(value) }
    /// Writes `"key":value`.
    public mutating func member(_ key: String, _ value: Int64) { self.key(key); self.value(value) }
    /// Writes `"key":value`.
    public mutating func member(_ key: String, _ value: UInt64) { self.key(key); self.value(value) }
    /// Writes `"key":value` for an integer of any other width.
    public mutating func member<T: FixedWidthInteger>(_ key: String, _ value: T) { self.key(key); self.value(value) }
    /// Writes `"key":value` (null when not finite).
    public mutating func member(_ key: String, _ value: Double) { self.key(key); self.value(value) }
    /// Writes `"key":value` for any ``JSONValue``.
    public mutating func member(_ key: String, _ value: JSONValue) { self.key(key); self.value(value) }
    /// Writes `"key":null`.
    public mutating func nullMember(_ key: String) { self.key(key); null() }
    /// Writes `"key":` followed by already-valid JSON bytes, copied as they are.
    public mutating func rawMember(_ key: String, _ json: [UInt8]) { self.key(key); raw(json) }
    /// Writes `"key":` followed by already-valid JSON bytes, copied as they are.
    public mutating func rawMember(_ key: String, _ json: ArraySlice<UInt8>) { self.key(key); raw(json) }
    /// Writes `"key":` followed by already-valid JSON bytes, copied as they are.
    public mutating func rawMember(_ key: String, _ json: UnsafeRawBufferPointer) { self.key(key); raw(json) }

    /// Writes `"key":{…}`; `body` writes the inner members.
    public mutating func object(_ key: String, _ body: (inout JSONWriter) -> Void) {
        self.key(key)
        object(body)
    }

    /// Writes `"key":[…]`; `body` writes the elements.
    public mutating func array(_ key: String, _ body: (inout JSONWriter) -> Void) {
        self.key(key)
        array(body)
    }
}
