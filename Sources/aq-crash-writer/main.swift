// aq-crash-writer DIR sync|deferred posix|uring SEGMENT_SIZE [MAX_RECORDS]
// aq-crash-writer DIR log-sync|log-group posix|uring SEGMENT_SIZE [MAX_RECORDS] [DEPTH]
//
// With `LogWriter` (sync, deferred): appends records whose payloads are derived from their
// sequences (the same function as `DeterministicPayload` in AQLogSimulation, repeated here so
// this tool depends on AQLog only) and prints each sequence on its own line (one unbuffered
// write per append call) once it is acknowledged: after the sync (sync mode) or after the
// write reached the page cache (deferred mode, flushed every 64 records).
//
// With `Log` (log-sync, log-group): eight concurrent producers, up to DEPTH commits in flight
// (default 4); see `LogMode.swift` for what each line says. The SIGKILL tests kill it at random
// moments and check every printed line.
#if canImport(Glibc)
import Glibc
#endif
import AQLog

func payload(for sequence: UInt64) -> [UInt8] {
    let count = sequence % 97 == 0 ? 0 : Int((sequence &* 2_654_435_761) % 1_500)
    var out = [UInt8](repeating: 0, count: count)
    var x = sequence &* 0x9E37_79B9_7F4A_7C15 | 1
    for i in 0..<count {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17
        out[i] = UInt8(truncatingIfNeeded: x)
    }
    return out
}

/// Writes `text` to a file descriptor with one unbuffered `write` (nothing is left in a buffer at SIGKILL).
func emit(_ text: String, to fd: Int32 = 1) {
    var bytes = Array(text.utf8)
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
        if n <= 0 { if errno == EINTR { continue } else { return } }
        done += n
    }
    bytes.removeAll()
}

func fail(_ message: String, _ code: Int32) -> Never {
    emit("aq-crash-writer: \(message)\n", to: 2)
    exit(code)
}

let args = CommandLine.arguments
guard args.count >= 5, let segmentSize = Int(args[4]) else {
    fail("usage: aq-crash-writer DIR sync|deferred posix|uring SEGMENT_SIZE [MAX_RECORDS]", 64)
}
guard let backend = Backend(rawValue: args[3]), backend != .auto else { fail("backend must be posix or uring", 64) }
let maxRecords = args.count > 5 ? UInt64(args[5]) ?? 1_000_000 : 1_000_000
let durability: Durability
switch args[2] {
case "sync": durability = .sync
case "deferred": durability = .deferred
case "log-sync", "log-group":
    let depth = args.count > 6 ? Int(args[6]) ?? 4 : 4
    var options = LogOptions(segmentSize: segmentSize, backend: backend)
    options.maxCommitsInFlight = depth
    await runLog(directory: args[1], options: options, durability: args[2] == "log-sync" ? .sync : .group(maxDelay: .microseconds(200), maxBytes: 256 << 10),
                 maxRecords: maxRecords)
    exit(0)
default: fail("durability must be sync, deferred, log-sync or log-group", 64)
}

do {
    let writer = try LogWriter.open(directory: args[1], options: LogOptions(segmentSize: segmentSize, backend: backend),
                                    durability: durability)
    var printed = writer.lastSequence
    emit("opened \(printed)\n")
    var round: UInt64 = 0
    while writer.lastSequence < maxRecords {
        round += 1
        let next = writer.nextSequence
        if round % 5 == 0 {
            let batch = (0..<UInt64(1 + round % 7)).map { payload(for: next + $0) }
            try writer.append(contentsOf: batch)
        } else {
            try writer.append(payload(for: next))
        }
        if case .deferred = durability, round % 64 == 0 { try writer.flush() }
        var lines = ""
        while printed < writer.lastSequence {
            printed += 1
            lines += "\(printed)\n"
        }
        emit(lines)
    }
    try writer.close()
} catch {
    fail("\(error)", 74)
}
