import AQLog
import ArgumentParser

struct Repair: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove a torn tail (backing up its bytes first); refuse corruption.",
        discussion: """
            Only records never acknowledged as durable are removed: the bytes after the last \
            commit point, and committed records that follow damage when no commit frame vouches \
            the damaged records were ever synced (what a power loss can leave of a log written \
            with deferred durability, whose batches reach the disk in any order until the next \
            sync; they were acknowledged to the page cache only). They are first copied to \
            DIR/<segment>.torn-<offset>.bak (synced), then zeroed, all under the writer's lock: \
            exit 75 while a writer runs. Damage below a durable point is corruption: refused with \
            exit 2 and nothing changed, anywhere in the log (repair first reads every record, as \
            verify does, sealed segments included). Exit 0 also when there was nothing to do. \
            --discard-unsynced is accepted and changes nothing (it named the second removal when \
            it was not the default).

            Examples:
              aq-wal repair /var/lib/app/wal
              aq-wal repair /var/lib/app/wal --json | jq .backup
            """)

    @Argument(help: "The log directory.") var directory: String
    @Flag(help: "Print one JSON object.") var json = false
    @Flag(help: "Accepted for scripts that pass it; the default repair removes never-synced records after damage.")
    var discardUnsynced = false

    func run() throws {
        try requireLog(directory)
        let policy: RecoveryPolicy = discardUnsynced ? .discardUnsynced : .truncateTornTail
        let report: RepairReport
        do throws(LogError) { report = try LogRepair.repair(directory: directory, policy: policy) } catch {
            // Refused: a script reading `--json` gets the refusal too, with the damage it names.
            if json, case .corruption(let damage) = error {
                emit(JSONValue.object([
                    ("directory", .string(directory)), ("status", .string("refused")), ("torn_tail", .null),
                    ("backup", .null), ("bytes_repaired", .int(0)), ("corruption", .corruption(damage)),
                ]).rendered)
            }
            throw Exit.fail(error)
        }
        if json {
            emit(JSONValue.object([
                ("directory", .string(directory)), ("status", .string(report.repaired ? "repaired" : "nothing_to_do")),
                ("torn_tail", .tornTail(report.tornTail)), ("backup", report.backupPath.map { .string($0) } ?? .null),
                ("bytes_repaired", .int(report.bytesRepaired)),
            ]).rendered)
        } else if let torn = report.tornTail {
            emit(Exit.oneLine("repaired: \(torn); \(report.bytesRepaired) bytes zeroed; backup \(report.backupPath ?? "-")"))
        } else {
            emit("nothing to do: no torn tail, every record intact")
        }
    }
}
