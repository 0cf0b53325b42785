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
                if json { print(reply.jsonText); continue }
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
    static let configuration = CommandConfiguration(abstract: "Follow the feed (every change, then the live tail).")
    @OptionGroup var endpoints: Endpoints
    @Option(help: "First seq to show (default: only new changes).")
    var from: Int?
    @Flag(help: "Show heartbeats too.")
    var heartbeats = false

    func run() throws {
        let client = try endpoints.connect(port: endpoints.feedPort, service: "feed", timeout: nil)
        var start = from
        if start == nil {
            let stats = try endpoints.ask(port: endpoints.ingestPort, service: "ingest", .object([("op", .string("ping"))]))
            start = (stats["seq"]?.int ?? 0) + 1
        }
        try client.sendLine("{\"op\":\"subscribe\",\"from\":\(start!),\"compress\":\"zlib\"}")
        client.expectCompressedReplies()
        while let line = try client.readLine() {
            if !heartbeats, line.starts(with: Array("{\"head\"".utf8)) { continue }
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
