/// How a connection's byte stream is encoded, detected from its first two bytes.
public enum StreamEncoding: String, Sendable, Hashable {
    /// Uncompressed NDJSON.
    case plain
    /// One or more gzip members (RFC 1952), as `gzip -c` or `cat a.gz b.gz` makes them.
    case gzip
    /// A zlib stream (RFC 1950).
    case zlib

    /// Detects the encoding from the first two bytes of a stream.
    ///
    /// gzip is `1f 8b`. zlib is a header with compression method 8, a window of at most 32 KiB,
    /// no preset dictionary and `(CMF·256 + FLG) % 31 == 0`: the checksum is what keeps ordinary
    /// text that happens to start with `x`, `h`, `H`, `X`, `8` or `(` (all method 8) plain, save
    /// for one second byte in 31.
    public static func detect(_ first: UInt8, _ second: UInt8) -> StreamEncoding {
        if first == 0x1f && second == 0x8b { return .gzip }
        if isZlibHeader(first, second) { return .zlib }
        return .plain
    }

    /// Whether two bytes form a valid RFC 1950 header that Tidende accepts (no preset dictionary).
    static func isZlibHeader(_ cmf: UInt8, _ flg: UInt8) -> Bool {
        let method = cmf & 0x0f
        let windowLog = cmf >> 4
        let hasDictionary = flg & 0x20 != 0
        return method == 8 && windowLog <= 7 && !hasDictionary
            && (UInt16(cmf) << 8 | UInt16(flg)) % 31 == 0
    }

    /// Whether a member of this encoding can start with `first` (a one-byte read cannot say more).
    func mayStartMember(_ first: UInt8) -> Bool {
        switch self {
        case .gzip: return first == 0x1f
        case .zlib: return first & 0x0f == 8 && first >> 4 <= 7
        case .plain: return false
        }
    }

    /// Whether two bytes start a new member of this encoding (used after a member has ended).
    func startsMember(_ first: UInt8, _ second: UInt8) -> Bool {
        switch self {
        case .gzip: return first == 0x1f && second == 0x8b
        case .zlib: return Self.isZlibHeader(first, second)
        case .plain: return false
        }
    }
}
