import AQLog
import ArgumentParser
import Foundation

struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print records as JSON lines, in sequence order.",
        discussion: """
            Each line is {"sequence":N,"size":BYTES,"payload":"<base64>"}. Reads without the \
            writer's lock; shows the records committed when it started. Exit 2 on corruption.

            Examples:
              aq-wal dump /var/lib/app/wal
              aq-wal dump /srv/wal --from 1000 --to 1010 | jq -r .payload | base64 -d
            """)

    @Argument(help: "The log directory.") var directory: String
    @Option(parsing: .unconditional, help: "First sequence to print (default: the first in the log).") var from: UInt64?
    @Option(parsing: .unconditional, help: "Last sequence to print (default: the last in the log).") var to: UInt64?

    func validate() throws {
        if let from, let to, from > to { throw ValidationError("--from \(from) is above --to \(to)") }
    }

    func run() throws {
        // The records are the output: one that cannot be written ends the command (74).
        Output.stopsOnFailure = true
        try requireLog(directory)
        // Salvage: a damaged log still prints every record before the damage, then the damage
        // is reported (exit 2).
        let reader = try Exit.guarding { try LogReader.salvaging(directory: directory) }
        let (first, last) = (reader.firstSequence, reader.lastSequence)
        if let from, from > last {
            // A damaged log's records may go on past the damage, unread: its damage is
            // reported below instead.
            if reader.damage == nil { Exit.report("--from \(from) is past the last record (\(last)): nothing to print") }
        } else if let to, to < first {
            Exit.report(first == 1 ? "--to \(to): sequences start at 1: nothing to print"
                        : "--to \(to) is below the first retained record (\(first), earlier ones were compacted): nothing to print")
        } else if let from, from < first, first == 1 {
            Exit.report("--from \(from) is below the first sequence a log has (1): printing from 1")
        } else if let from, from < first {
            Exit.report("--from \(from) is below the first retained record (\(first), earlier ones were compacted): printing from \(first)")
        }
        // Every line is built as bytes (no String per record) and written in 64 KiB blocks;
        // what was gathered is written before an error is reported (salvage: the records
        // before a damaged one are printed).
        var out = OutputBuffer()
        // The sequence the next line should carry: records a compaction removes while `dump`
        // reads are skipped, and each such gap is said on stderr, so a range printed with a
        // hole in it never passes for a whole one.
        var next = max(from ?? 1, first, 1)
        // Whether stdout's reader went away (the output ends there, and nothing is said about
        // the records not printed).
        var stopped = false
        func skipped(through end: UInt64) {
            guard out.flush() else { stopped = true; return }
            Exit.report("records \(next)...\(end) were compacted while dump read the log: skipped")
        }
        try Exit.guarding {
            // What was gathered goes out before the error is reported.
            defer { out.flush() }
            // Everything that is there: a start below the first retained record (the default
            // start on a compacted log, or a --from reported above) prints from that record.
            try reader.forEach(from: from ?? 1, through: to, ifCompacted: .startAtFirstAvailable) { sequence, bytes in
                if sequence != next, first > 0 { skipped(through: sequence - 1) }
                guard !stopped else { return false }
                next = sequence + 1
                out.append("{\"sequence\":")
                out.append(decimal: sequence)
                out.append(",\"size\":")
                out.append(decimal: bytes.count)
                out.append(",\"payload\":\"")
                out.append(base64: bytes)
                out.append("\"}\n")
                stopped = !out.flushIfFull()
                return !stopped
            }
            // The range's end went too: the walk ended on finding nothing left before it.
            // (A log holding no record when opened, `first` 0, had none to lose.)
            if !stopped, first > 0, next <= min(to ?? last, last) { skipped(through: min(to ?? last, last)) }
        }
        if let damage = reader.damage, to.map({ $0 > reader.lastSequence }) ?? true {
            throw Exit.fail(.corruption(damage))
        }
    }
}
