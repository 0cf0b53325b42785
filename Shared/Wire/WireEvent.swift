import NIOCore
import TidendeModels

/// What the wire decoder tells the next handler about a connection's input, in order.
///
/// The sequence is always: `encoding` once; then any mix of `line` and `oversizedLine`; then
/// optionally `compressedStreamEnded` (compressed input only) or `failure`; then `inputEnded` if
/// the client closed its side. Nothing follows a `failure` except `inputEnded`.
public enum WireEvent: Sendable {
    /// The detected encoding: sent exactly once, before any line.
    case encoding(StreamEncoding)
    /// One decoded, non-blank line without its `\n` or `\r\n`. `number` is 1-based and counts
    /// every line of the decoded stream, blank and oversized ones included, so it matches what
    /// `sed -n 'Np'` shows for the uncompressed file.
    case line(ByteBuffer, number: Int)
    /// Line `number` was longer than `limit` bytes and has been skipped; the next line follows.
    case oversizedLine(number: Int, limit: Int)
    /// The compressed upload is complete: a member ended and no further member followed (within
    /// the grace period, or before the client half-closed). A last line without `\n` has already
    /// been delivered.
    case compressedStreamEnded
    /// The stream cannot be decoded further: `invalid_compression`, `truncated_stream` or
    /// `decompression_limit`, with a message for a human. `linesDecoded` is the number of
    /// complete lines (blank and oversized included) before the failure; all of them have been
    /// delivered.
    case failure(WireError, linesDecoded: Int)
    /// The client half-closed or closed the connection; every line has been delivered.
    case inputEnded
}
