import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// Reads from a start compaction removed: every read throws the same typed error, and a walk
/// may ask to start at what is left instead.
@Suite struct LogReaderCompactionTests {
    /// A log of 1200 records whose first segments were compacted; returns the payloads and
    /// the first sequence left.
    func compactedLog(_ dir: String) throws -> (written: [[UInt8]], first: UInt64) {
        let written = try makeBatchedLog(dir, count: 1200)
        try Checkpoint.write(directory: dir, sequence: 700)
        #expect(try !Compactor(directory: dir).run().removed.isEmpty)
        let first = try LogReader.open(directory: dir).firstSequence
        try #require(first > 1)
        return (written, first)
    }

    @Test func aWalkFromACompactedStartThrowsUnlessAskedToStartAtWhatIsLeft() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let (written, first) = try compactedLog(dir)
        let reader = try LogReader.open(directory: dir)
        let compacted = LogError.compacted(requested: 1, firstAvailable: first)
        var calls = 0
        #expect(throws: compacted) { try reader.forEach(from: 1) { _, _ in calls += 1; return true } }
        #expect(throws: compacted) { try reader.forEachSpan { _, _ in calls += 1; return true } }
        #expect(throws: LogError.compacted(requested: first - 1, firstAvailable: first)) {
            try reader.forEach(from: first - 1) { _, _ in calls += 1; return true }
        }
        #expect(calls == 0, "nothing is read before the error")

        var seen: [UInt64] = []
        try reader.forEach(from: 1, ifCompacted: .startAtFirstAvailable) { sequence, bytes in
            #expect(Array(bytes) == written[Int(sequence) - 1])
            seen.append(sequence)
            return true
        }
        #expect(seen == Array(first...1200))
        var spans: [UInt64] = []
        try reader.forEachSpan(ifCompacted: .startAtFirstAvailable) { sequence, span in
            spans.append(sequence)
            return span.byteCount == 200
        }
        #expect(spans == Array(first...1200))
        // A start the log still holds is unaffected by the choice.
        var from = 0
        try reader.forEach(from: first + 3, through: first + 4) { _, _ in from += 1; return true }
        #expect(from == 2)
    }

    @Test func singleRecordReadsThrowTheSameErrorAndOutOfRangeBeyondTheEnd() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let (written, first) = try compactedLog(dir)
        let reader = try LogReader.open(directory: dir)
        #expect(throws: LogError.compacted(requested: 1, firstAvailable: first)) { try reader.record(1) }
        #expect(throws: LogError.compacted(requested: first - 1, firstAvailable: first)) {
            try reader.withRecordSpan(first - 1) { $0.byteCount }
        }
        #expect(throws: LogError.sequenceOutOfRange(1201, first: first, last: 1200)) { try reader.withRecord(1201) { $0.count } }
        #expect(throws: LogError.sequenceOutOfRange(0, first: first, last: 1200)) { try reader.record(0) }
        #expect(try reader.record(first) == written[Int(first) - 1])
        #expect(LogError.compacted(requested: 1, firstAvailable: first).kind == "compacted")
    }

    /// Start 1 is where a log that was never compacted starts, empty or not.
    @Test func aStartOfOneOnANeverCompactedLogNeverThrows() throws {
        let tmp = TemporaryDirectory()
        let empty = tmp.sub("empty")
        try LogWriter.open(directory: empty, options: smallSegments).close()
        let reader = try LogReader.open(directory: empty)
        var calls = 0
        try reader.forEach(from: 1) { _, _ in calls += 1; return true }
        try reader.forEachSpan(from: 0) { _, _ in calls += 1; return true }
        #expect(calls == 0)
        #expect(throws: LogError.sequenceOutOfRange(1, first: 0, last: 0)) { try reader.record(1) }

        let full = tmp.sub("full")
        let written = try makeBatchedLog(full, count: 700)
        #expect(try readNumbered(full).map(\.1) == written)
        var all: [[UInt8]] = []
        try LogReader.open(directory: full).forEach(from: 1) { _, bytes in all.append(Array(bytes)); return true }
        #expect(all == written)
    }

    /// Closures that throw nothing (or only `LogError`) make a typed read: the `do` blocks
    /// below compile only if every read in them throws `LogError`, nothing wider.
    @Test func readsThrowLogErrorTypedAndAClosuresOwnErrorUnchanged() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let (_, first) = try compactedLog(dir)
        let reader = try LogReader.open(directory: dir)
        var caught: LogError?
        do throws(LogError) {
            _ = try reader.withRecord(first) { $0.count }
            _ = try reader.withRecordSpan(first) { $0.byteCount }
            _ = try reader.record(first)
            try reader.forEach(from: first, through: first) { _, _ in true }
            try reader.forEachSpan(from: first, through: first) { (_, _) throws(LogError) in true }
            try reader.forEach(from: 1) { _, _ in true }
        } catch {
            caught = error
        }
        #expect(caught == .compacted(requested: 1, firstAvailable: first))

        struct Stop: Error, Equatable { var at: UInt64 }
        #expect(throws: Stop(at: first + 2)) {
            try reader.forEach(from: first) { sequence, _ in
                if sequence == first + 2 { throw Stop(at: sequence) }
                return true
            }
        }
        #expect(throws: Stop(at: first)) { try reader.withRecordSpan(first) { _ in throw Stop(at: first) } }
        // The untyped spelling still throws the reader's own errors as `LogError`.
        #expect(throws: LogError.compacted(requested: 1, firstAvailable: first)) {
            try reader.forEachSpan(from: 1) { sequence, _ in
                if sequence == 0 { throw Stop(at: 0) }
                return true
            }
        }
    }
}
