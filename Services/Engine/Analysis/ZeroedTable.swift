#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fixed number of trivial values, all bits zero at first, in memory of its own: the backing
/// of the hash tables and id-indexed maps the indexer probes once per token.
///
/// Those accesses are random over megabytes, so most of their cost is cache and TLB misses.
/// Tables of 2 MiB or more are mapped on their own and asked for huge pages (`MADV_HUGEPAGE`),
/// so one TLB entry covers 2 MiB instead of 4 KiB; the kernel's zero pages also make a fresh
/// table free to create (nothing is written until used). Smaller tables come from `calloc`.
/// Access is unchecked: the owner keeps indices below `count`. Never shared between threads.
public final class ZeroedTable<Element: BitwiseCopyable> {
    public let count: Int
    /// The first element (for loops that index it directly).
    public let base: UnsafeMutablePointer<Element>
    private let mappedBytes: Int

    private static var hugePage: Int { 2 << 20 }

    public init(count: Int) {
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Element>.stride
        if bytes >= Self.hugePage {
            let size = (bytes + Self.hugePage - 1) / Self.hugePage * Self.hugePage
            guard let raw = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                  raw != MAP_FAILED else { fatalError("out of memory: cannot map \(size) bytes") }
            #if os(Linux)
            _ = madvise(raw, size, Int32(MADV_HUGEPAGE))
            #endif
            base = raw.bindMemory(to: Element.self, capacity: count)
            mappedBytes = size
        } else {
            guard let raw = calloc(1, bytes) else { fatalError("out of memory: cannot allocate \(bytes) bytes") }
            base = raw.bindMemory(to: Element.self, capacity: count)
            mappedBytes = 0
        }
    }

    deinit {
        if mappedBytes > 0 { munmap(UnsafeMutableRawPointer(base), mappedBytes) } else { free(UnsafeMutableRawPointer(base)) }
    }

    @inlinable
    public subscript(index: Int) -> Element {
        @inline(__always) get { base[index] }
        @inline(__always) set { base[index] = newValue }
    }

    /// A table of `count` elements (at least this one's) starting with a copy of this one's.
    public func grown(to count: Int) -> ZeroedTable {
        let table = ZeroedTable(count: Swift.max(count, self.count))
        table.base.update(from: base, count: self.count)
        return table
    }
}
