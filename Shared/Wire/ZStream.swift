import CTidendeZlib

/// Owns one heap-allocated `z_stream` and ends it exactly once.
///
/// The stream lives at a fixed address because zlib ≥ 1.2.12 checks that the `z_stream` it is
/// handed is the one it was initialised with; a Swift stored property has no such guarantee.
final class ZStream {
    enum Direction { case inflate, deflate }

    let pointer: UnsafeMutablePointer<z_stream>
    private let direction: Direction

    /// Initialises the stream with `initialise` (one of the C shim's wrappers); traps when zlib
    /// cannot start, which only happens when memory is exhausted or the arguments are wrong.
    init(_ direction: Direction, initialise: (UnsafeMutablePointer<z_stream>) -> Int32) {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: z_stream())
        self.direction = direction
        let status = initialise(pointer)
        precondition(status == Z_OK, "zlib \(direction) init failed: \(status)")
    }

    deinit {
        switch direction {
        case .inflate: inflateEnd(pointer)
        case .deflate: deflateEnd(pointer)
        }
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }

    /// zlib's message for the last error, if it set one.
    var message: String? {
        guard let msg = pointer.pointee.msg else { return nil }
        return String(cString: msg)
    }
}
