import Foundation

/// What went wrong talking to a service or preparing a test, worded for a test failure.
public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A JSON string literal for `text`, quotes and escapes included (made by Foundation, not by the
/// services' own JSON code).
public func jsonString(_ text: String) -> String {
    let data = try! JSONSerialization.data(withJSONObject: [text], options: [])
    return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
}

/// `lines` as one NDJSON upload: each line followed by `\n`.
public func ndjsonBytes(_ lines: [String]) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(lines.reduce(0) { $0 + $1.utf8.count + 1 })
    for line in lines {
        bytes.append(contentsOf: line.utf8)
        bytes.append(UInt8(ascii: "\n"))
    }
    return bytes
}
