#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#else
import Darwin
private let systemWrite = Darwin.write
#endif

/// Replaces a file as one step: the new content goes to `path.tmp`, is fsynced, renamed over
/// `path`, and the directory is fsynced. A crash or a failure at any point leaves the previous
/// file as it was.
public enum AtomicFile {
    /// Writes the temporary file: `write(bytes)` appends, `write(bytes, at:)` writes at an offset
    /// (a header known only at the end); both return false on failure.
    public struct Writer {
        let fd: Int32

        public func write(_ raw: UnsafeRawBufferPointer, at offset: Int? = nil) -> Bool {
            var written = 0
            while written < raw.count {
                let n = offset.map { pwrite(fd, raw.baseAddress! + written, raw.count - written, off_t($0 + written)) }
                    ?? systemWrite(fd, raw.baseAddress! + written, raw.count - written)
                if n <= 0 { return false }
                written += n
            }
            return true
        }
    }

    /// Replaces `path` with what `body` writes (`body` returns false, or throws, to give up).
    public static func replace(_ path: String, _ body: (Writer) throws(EngineError) -> Bool) throws(EngineError) {
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw .io("cannot create \(tmp)") }
        var ok: Bool
        do {
            ok = try body(Writer(fd: fd)) && fsync(fd) == 0
        } catch {
            ok = false
        }
        close(fd)
        guard ok else {
            unlink(tmp)
            throw .io("cannot write \(tmp)")
        }
        guard rename(tmp, path) == 0 else { throw .io("cannot rename \(tmp) to \(path)") }
        let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        // The rename is durable once the directory is: until then a crash may undo it.
        let dfd = open(dir.isEmpty ? "/" : dir, O_RDONLY)
        guard dfd >= 0 else { throw .io("cannot open \(dir) to sync it") }
        defer { close(dfd) }
        guard fsync(dfd) == 0 else { throw .io("cannot sync \(dir)") }
    }
}
