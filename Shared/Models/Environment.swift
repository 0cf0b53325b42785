#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Environment overrides for flag defaults (`TIDENDE_…`), so deploy scripts and units can
/// configure the services without long command lines.
public enum Env {
    public static func string(_ name: String) -> String? {
        guard let p = getenv(name) else { return nil }
        let s = String(cString: p)
        return s.isEmpty ? nil : s
    }

    public static func int(_ name: String) -> Int? { string(name).flatMap { Int($0) } }
}
