import ArgumentParser
import TidendeClient
import TidendeModels

/// Where the services are, shared by every subcommand. Flags override `TIDENDE_*` variables.
struct Endpoints: ParsableArguments {
    @Option(help: "Host of the services (env TIDENDE_HOST).")
    var host: String = Env.string("TIDENDE_HOST") ?? "127.0.0.1"

    @Option(help: "Ingest port (env TIDENDE_INGEST_PORT).")
    var ingestPort: Int = Env.int("TIDENDE_INGEST_PORT") ?? 7470

    @Option(help: "Feed port (env TIDENDE_FEED_PORT).")
    var feedPort: Int = Env.int("TIDENDE_FEED_PORT") ?? 7471

    @Option(help: "Query port (env TIDENDE_QUERY_PORT).")
    var queryPort: Int = Env.int("TIDENDE_QUERY_PORT") ?? 7472

    @Option(help: "Token for hello (env TIDENDE_TOKEN).")
    var token: String?

    var resolvedToken: String? { token ?? Env.string("TIDENDE_TOKEN") }

    /// Connects and, when a token is set and `hello` is true, says hello with it (the reply is
    /// checked and consumed). An upload passes false and sends ``helloLine`` itself, inside its
    /// compressed stream: the service tells plain from gzip by a connection's first bytes.
    func connect(port: Int, service: String, timeout: Double? = 30, hello: Bool = true) throws -> LineClient {
        let client: LineClient
        do {
            client = try LineClient(host: host, port: port, receiveTimeout: timeout)
        } catch {
            throw CLIError("the \(service) service is not reachable: \(error)")
        }
        if hello, let line = helloLine {
            try client.send(line)
            let reply = try client.readLine().map { try JSONValue.parse($0) }
            guard reply?["ok"] == .bool(true) else {
                throw CLIError("the \(service) service refused the token: \(reply.map { $0.jsonText } ?? "no reply")")
            }
        }
        return client
    }

    /// `{"op":"hello","token":…}` and its newline when a token is set.
    var helloLine: [UInt8]? {
        guard let token = resolvedToken else { return nil }
        var w = JSONWriter()
        w.object { o in o.member("op", "hello"); o.member("token", token) }
        return w.bytes + [0x0A]
    }

    /// One request, one reply (JSON), on a fresh connection.
    func ask(port: Int, service: String, _ request: JSONValue) throws -> JSONValue {
        let client = try connect(port: port, service: service)
        defer { client.close() }
        try client.send(request.jsonBytes() + [0x0A])
        guard let line = try client.readLine() else { throw CLIError("the \(service) service closed without a reply") }
        return try JSONValue.parse(line)
    }
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension JSONValue {
    /// The error message of an `ok:false` reply, as `code: message`.
    var errorText: String? {
        guard self["ok"] == .bool(false) else { return nil }
        let code: String
        if case .string(let c)? = self["error"]?["code"] { code = c } else { code = "error" }
        if case .string(let m)? = self["error"]?["message"] { return "\(code): \(m)" }
        return code
    }

    var text: String? {
        switch self {
        case .string(let s): return s
        case .integer(let i): return String(i)
        case .number(let d): return String(d)
        case .bool(let b): return String(b)
        default: return nil
        }
    }

    var int: Int? {
        switch self {
        case .integer(let i): return Int(i)
        case .number(let d): return Int(d)
        default: return nil
        }
    }
}
