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
              aq-wal dump /var/lib/app/wal --from 1000 --to 1010 | jq -r .payload | base64 -d
            """)

    @Argument(help: "The log directory.") var directory: String
    @Option(help: "First sequence to print (default: the first in the log).") var from: UInt64?
    @Option(help: "Last sequence to print (default: the last in the log).") var to: UInt64?

    func validate() throws {
        if let from, let to, from > to { throw ValidationError("--from \(from) is above --to \(to)") }
    }

    func run() throws {
        let reader = try Exit.guarding { try LogReader.open(directory: directory) }
        var out = ""
        try Exit.guarding {
            try reader.forEach(from: from ?? 1, through: to) { sequence, bytes in
                let line: JSONValue = .object([("sequence", .uint(sequence)), ("size", .int(bytes.count)),
                                               ("payload", .string(Data(bytes).base64EncodedString()))])
                out += line.rendered
                out += "\n"
                if out.utf8.count >= 1 << 16 {
                    FileHandle.standardOutput.write(Data(out.utf8))
                    out = ""
                }
                return true
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}
