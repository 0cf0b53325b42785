@testable import TidendeModels

/// Bytes of a string literal (tests write JSON as Swift raw strings).
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// The error the scanner reports for `input`, or nil when it accepts it.
func scanError(_ input: [UInt8], maxDepth: Int = 128) -> JSONError? {
    do {
        _ = try JSONScanner(maxDepth: maxDepth).scan(input)
        return nil
    } catch {
        return error
    }
}

func scanError(_ text: String, maxDepth: Int = 128) -> JSONError? {
    scanError(bytes(text), maxDepth: maxDepth)
}
