import TidendeModels

/// A compact binary form of `JSONValue` for stored documents: a tag byte per value, varint
/// lengths. Smaller and much faster to read back than JSON text, and it compresses as well.
extension JSONValue {
    func encodeBinary(into w: inout ByteWriter) {
        switch self {
        case .null: w.u8(0)
        case .bool(let b): w.u8(b ? 2 : 1)
        case .integer(let i):
            w.u8(3)
            // Zig-zag so small negative numbers stay small.
            w.varint(UInt64(bitPattern: (i << 1) ^ (i >> 63)))
        case .number(let d):
            w.u8(4)
            w.f64(d)
        case .string(let s):
            w.u8(5)
            w.string(s)
        case .array(let items):
            w.u8(6)
            w.varint(UInt64(items.count))
            for item in items { item.encodeBinary(into: &w) }
        case .object(let members):
            w.u8(7)
            w.varint(UInt64(members.count))
            for (key, value) in members {
                w.string(key)
                value.encodeBinary(into: &w)
            }
        }
    }

    static func decodeBinary(from r: inout ByteReader, depth: Int = 0) throws(EngineError) -> JSONValue {
        guard depth < 512 else { throw .corrupt("document nested too deeply") }
        switch try r.u8() {
        case 0: return .null
        case 1: return .bool(false)
        case 2: return .bool(true)
        case 3:
            let z = try r.varint()
            return .integer(Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1))))
        case 4: return .number(try r.f64())
        case 5: return .string(try r.string())
        case 6:
            let n = try r.count()
            var items: [JSONValue] = []
            items.reserveCapacity(min(n, 1024))
            for _ in 0..<n { items.append(try decodeBinary(from: &r, depth: depth + 1)) }
            return .array(items)
        case 7:
            let n = try r.count()
            var members: [(String, JSONValue)] = []
            members.reserveCapacity(min(n, 1024))
            for _ in 0..<n {
                let key = try r.string()
                members.append((key, try decodeBinary(from: &r, depth: depth + 1)))
            }
            return .object(members)
        case let tag: throw .corrupt("unknown value tag \(tag)")
        }
    }
}
