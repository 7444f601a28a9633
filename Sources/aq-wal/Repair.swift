import AQLog
import ArgumentParser

struct Repair: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove a torn tail (backing up its bytes first); refuse corruption.",
        discussion: """
            Only never-acknowledged bytes after the last commit point are removed. They are \
            first copied to DIR/<segment>.torn-<offset>.bak (synced), then zeroed by opening the \
            log for writing and closing it. Needs the writer's lock: exit 75 while a writer runs. \
            Corruption is refused with exit 2 and nothing changed. Exit 0 also when there was \
            nothing to do.

            Examples:
              aq-wal repair /var/lib/app/wal
              aq-wal repair /var/lib/app/wal --json | jq .backup
            """)

    @Argument(help: "The log directory.") var directory: String
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let report = try Exit.guarding { try LogRepair.repair(directory: directory) }
        if json {
            emit(JSONValue.object([
                ("directory", .string(directory)), ("status", .string(report.repaired ? "repaired" : "nothing_to_do")),
                ("torn_tail", .tornTail(report.tornTail)), ("backup", report.backupPath.map { .string($0) } ?? .null),
                ("bytes_repaired", .int(report.bytesRepaired)),
            ]).rendered)
        } else if let torn = report.tornTail {
            emit("repaired: \(torn); \(report.bytesRepaired) bytes zeroed; backup \(report.backupPath ?? "-")")
        } else {
            emit("nothing to do: no torn tail")
        }
    }
}
