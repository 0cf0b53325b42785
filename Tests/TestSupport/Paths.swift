import Foundation

/// Paths relative to this source file.
public enum Paths {
    /// The package root (this file is `Tests/TestSupport/Paths.swift`).
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared/examples/seed-page.ndjson` beside the repository root, if it is there.
    public static var seedPage: URL? {
        let url = repositoryRoot.deletingLastPathComponent()
            .appendingPathComponent("shared/examples/seed-page.ndjson")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
}

/// Where the executables under test are.
public enum Binaries {
    /// `$TIDENDE_BIN_DIR/<name>`, else beside the test bundle (the same build folder), else the
    /// package's usual scratch folders (`.build-tests`, `.build`). When none is executable, the
    /// first candidate (for the error message).
    public static func url(_ name: String) -> URL {
        var candidates: [URL] = []
        if let dir = ProcessInfo.processInfo.environment["TIDENDE_BIN_DIR"] {
            candidates.append(URL(fileURLWithPath: dir).appendingPathComponent(name))
        }
        if let bundle = Bundle.main.executableURL {
            // On Linux the test runner is `<scratch>/debug/TidendePackageTests.xctest`; on macOS
            // climb out of `X.xctest/Contents/MacOS`.
            var dir = bundle.resolvingSymlinksInPath().deletingLastPathComponent()
            while dir.path.contains(".xctest") { dir = dir.deletingLastPathComponent() }
            candidates.append(dir.appendingPathComponent(name))
        }
        for scratch in [".build-tests", ".build"] {
            candidates.append(Paths.repositoryRoot.appendingPathComponent("\(scratch)/debug/\(name)"))
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }
}

/// A fresh directory under the system's temporary folder; the caller removes it.
public func makeScratchDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("tidende-test-\(UUID().uuidString.prefix(12))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
