import NIOCore

/// Recognises an HTTP request line sent to a line port by mistake (`curl localhost:7470`).
enum HTTPDetector {
    private static let methods: [[UInt8]] = ["GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"]
        .map { Array($0.utf8) }

    /// True for `METHOD SP target SP HTTP/…` (or `METHOD SP /…` without a version).
    static func looksLikeHTTP(_ line: ByteBuffer) -> Bool {
        line.withUnsafeReadableBytes { bytes in
            for method in methods where bytes.count > method.count + 1 {
                guard bytes.starts(with: method), bytes[method.count] == UInt8(ascii: " ") else { continue }
                let target = bytes[method.count + 1]
                if target == UInt8(ascii: "/") || target == UInt8(ascii: "*") { return true }
                // An absolute URL: `GET http://host/ HTTP/1.1`.
                let rest = bytes[(method.count + 1)...]
                return rest.starts(with: Array("http://".utf8)) || rest.starts(with: Array("https://".utf8))
            }
            return false
        }
    }
}
