import ArgumentParser
import Foundation
import TidendeClient
import TidendeModels

/// `tidende search 'query'`: a readable table of hits and facets, or the raw JSON.
struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Search (the query service).")

    @OptionGroup var endpoints: Endpoints
    @Argument(help: "The query: words, \"phrases\", -exclude, a OR b, prefix*, field:word.")
    var query: String = ""
    @Option(help: "Filter, e.g. 'type = article AND published_at >= 2026-01-01'.")
    var filter: String?
    @Option(parsing: .upToNextOption, help: "Sort keys, e.g. published_at:desc.")
    var sort: [String] = []
    @Option(help: "Hits to return.")
    var limit: Int = 10
    @Option(help: "Hits to skip.")
    var offset: Int = 0
    @Option(parsing: .upToNextOption, help: "Fields to count values of.")
    var facets: [String] = []
    @Flag(help: "Print the service's JSON reply as it is.")
    var json = false

    func run() throws {
        var members: [(String, JSONValue)] = [("q", .string(query)), ("limit", .integer(Int64(limit))),
                                              ("offset", .integer(Int64(offset))), ("highlight", .bool(!json || true))]
        if let filter { members.append(("filter", .string(filter))) }
        if !sort.isEmpty { members.append(("sort", .array(sort.map { .string($0) }))) }
        if !facets.isEmpty { members.append(("facets", .array(facets.map { .string($0) }))) }
        let reply = try endpoints.ask(port: endpoints.queryPort, service: "query", .object(members))
        if json {
            print(reply.jsonText)
            // The raw reply is printed either way; an error reply still fails the command.
            if reply.errorText != nil { throw ExitCode(1) }
            return
        }
        if let error = reply.errorText { throw CLIError(error) }
        let tty = isatty(1) == 1
        let total = reply["total"]?.int ?? 0
        print("\(total) hit\(total == 1 ? "" : "s") (\(reply["took_ms"]?.text ?? "?") ms, seq \(reply["seq"]?.text ?? "?"))")
        if case .array(let hits)? = reply["hits"] {
            for (i, hit) in hits.enumerated() {
                let id = hit["id"]?.text ?? "?"
                let score = hit["score"]?.text ?? ""
                let title = hit["highlight"]?["title"]?.text.map { emphasis($0, tty) } ?? hit["doc"]?["title"]?.text ?? ""
                print("\(String(format: "%3d", offset + i + 1)). \(title)  [\(id)] \(score)")
                for field in ["lead", "summary", "body"] {
                    if let snippet = hit["highlight"]?[field]?.text, snippet.contains("<em>") {
                        print("     " + emphasis(snippet.replacingOccurrences(of: "\n", with: " "), tty))
                        break
                    }
                }
            }
        }
        if case .object(let facetFields)? = reply["facets"] {
            for (field, values) in facetFields {
                guard case .object(let counts) = values else { continue }
                print("\(field): " + counts.map { "\($0.0) (\($0.1.text ?? "?"))" }.joined(separator: ", "))
            }
        }
    }

    /// A highlight for the terminal: marks in bold (or «…»), entities back to characters.
    private func emphasis(_ s: String, _ tty: Bool) -> String {
        s.replacingOccurrences(of: "<em>", with: tty ? "\u{1B}[1m" : "«")
            .replacingOccurrences(of: "</em>", with: tty ? "\u{1B}[0m" : "»")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}

/// `tidende get ID`: the stored document (from the ingest service, the source of truth).
struct Get: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a stored document.")
    @OptionGroup var endpoints: Endpoints
    @Argument var id: String
    @Flag(help: "Ask the query service (what is searchable) instead of the store.")
    var searchable = false

    func run() throws {
        let reply = searchable
            ? try endpoints.ask(port: endpoints.queryPort, service: "query", .object([("op", .string("get")), ("id", .string(id))]))
            : try endpoints.ask(port: endpoints.ingestPort, service: "ingest", .object([("op", .string("get")), ("id", .string(id))]))
        if let error = reply.errorText { throw CLIError(error) }
        print(reply["doc"]?.jsonText ?? "null")
    }
}

/// `tidende delete ID`.
struct Delete: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Delete a document.")
    @OptionGroup var endpoints: Endpoints
    @Argument var id: String

    func run() throws {
        let reply = try endpoints.ask(port: endpoints.ingestPort, service: "ingest", .object([("op", .string("delete")), ("id", .string(id))]))
        if let error = reply.errorText { throw CLIError(error) }
        if reply["found"] == .bool(false) {
            print("no document \(id)")
            throw ExitCode(1)
        }
        print("deleted \(id) at seq \(reply["seq"]?.text ?? "?")")
    }
}

/// `tidende stats`: both services.
struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Statistics of both services.")
    @OptionGroup var endpoints: Endpoints
    @Flag(help: "Print JSON lines.")
    var json = false

    func run() throws {
        var failed = false
        for (name, port) in [("ingest", endpoints.ingestPort), ("query", endpoints.queryPort)] {
            do {
                let reply = try endpoints.ask(port: port, service: name, .object([("op", .string("stats"))]))
                if json { print(reply.jsonText) }
                // An error reply (unauthorized…) is not stats: say so and fail, not print it as such.
                if let error = reply.errorText {
                    printErr("\(name): \(error)")
                    failed = true
                    continue
                }
                if json { continue }
                print("\(name):")
                guard case .object(let members) = reply else { continue }
                for (key, value) in members where key != "ok" && key != "op" && key != "service" {
                    print("  \(key.padding(toLength: 18, withPad: " ", startingAt: 0)) \(value.text ?? value.jsonText)")
                }
            } catch {
                printErr("\(error)")
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}

/// `tidende tail`: follow the feed.
struct Tail: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow the feed (new changes as they come; --from SEQ replays from SEQ first).",
        discussion: "Without --from, only changes made after it starts are shown; --from 0 shows every change, then the live tail.")
    @OptionGroup var endpoints: Endpoints
    @Option(help: "First seq to show (default: only new changes; 0: every change).")
    var from: Int?
    @Flag(help: "Show heartbeats too.")
    var heartbeats = false

    func run() throws {
        let client = try endpoints.connect(port: endpoints.feedPort, service: "feed", timeout: nil)
        var start = from
        if start == nil {
            let pong = try endpoints.ask(port: endpoints.ingestPort, service: "ingest", .object([("op", .string("ping"))]))
            if let error = pong.errorText { throw CLIError("ingest: \(error)") }
            start = (pong["seq"]?.int ?? 0) + 1
        }
        // Compression is asked for with hello, whose reply is plain, so that every later line,
        // the subscribe reply included (or its error), comes in the one zlib stream.
        try client.sendLine("{\"op\":\"hello\",\"compress\":\"zlib\"}")
        guard let helloLine = try client.readLine() else { throw CLIError("the feed service closed without a reply") }
        let hello = try JSONValue.parse(helloLine)
        if let error = hello.errorText { throw CLIError("feed: \(error)") }
        client.expectCompressedReplies()
        try client.sendLine("{\"op\":\"subscribe\",\"from\":\(start!)}")
        var first = true
        while let line = try client.readLine() {
            if !heartbeats, line.starts(with: Array("{\"head\"".utf8)) { continue }
            // Changes are never ok:false; an error line (a refused subscribe, the store failing)
            // ends the command with exit 1.
            if first || line.starts(with: Array("{\"ok\":false".utf8)),
               let reply = try? JSONValue.parse(line), let error = reply.errorText {
                throw CLIError("feed: \(error)")
            }
            first = false
            FileHandle.standardOutput.write(Data(line + [0x0A]))
        }
    }
}

/// `tidende analyze TEXT`: the tokens and stems a text becomes.
struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the tokens and stems of a text.")
    @OptionGroup var endpoints: Endpoints
    @Argument var text: String
    @Option(help: "da or en (default: detected).")
    var lang: String?

    func run() throws {
        var members: [(String, JSONValue)] = [("op", .string("analyze")), ("text", .string(text))]
        if let lang { members.append(("lang", .string(lang))) }
        let reply = try endpoints.ask(port: endpoints.queryPort, service: "query", .object(members))
        if let error = reply.errorText { throw CLIError(error) }
        print("language: \(reply["lang"]?.text ?? "?")\(reply["detected"] == .bool(true) ? " (detected)" : "")")
        if case .array(let tokens)? = reply["tokens"] {
            for t in tokens {
                let stop = t["stop"] == .bool(true) ? "  (stop word)" : ""
                print("  \(t["position"]?.text ?? "?")\t\(t["term"]?.text ?? "")\t→ \(t["stem"]?.text ?? "")\(stop)")
            }
        }
    }
}
