import ArgumentParser
import TidendeModels

@main
struct TidendeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tidende",
        abstract: "Talk to Tidende's services: ingest files, search, inspect.",
        version: TidendeVersion.string,
        subcommands: [Ingest.self, Search.self, Get.self, Delete.self, Stats.self, Tail.self, Analyze.self]
    )
}
