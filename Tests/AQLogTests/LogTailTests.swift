import Testing
import AQTestSupport
import Foundation
@testable import AQLog

@Suite struct LogTailTests {
    @Test func yieldsExistingRecordsThenFollowsTheWriterAcrossRolls() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        for i in 0..<10 { try w.append(payload(i, size: 200)) }
        let consumer = Task {
            var seen: [(UInt64, [UInt8])] = []
            for try await (sequence, bytes) in LogTail(directory: dir, from: 5) {
                seen.append((sequence, bytes))
                if sequence == 1000 { break }
            }
            return seen
        }
        for i in 10..<1000 { try w.append(payload(i, size: 200)) }
        let seen = try await consumer.value
        try w.close()
        #expect(seen.map(\.0) == Array(5...1000))
        #expect(seen.map(\.1) == (4..<1000).map { payload($0, size: 200) })
        #expect(segmentFiles(dir).count > 2, "the tail crossed rolls")
    }

    /// On the main actor, records and runs of records come in order and whole, the iteration
    /// staying in the actor's isolation (`next(isolation:)`) between waits.
    @MainActor @Test func aTailOnTheMainActorYieldsRecordsAndRuns() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        let records = (0..<3_000).map { payload($0, size: 100) }
        for start in stride(from: 0, to: records.count, by: 100) { try w.append(contentsOf: Array(records[start..<start + 100])) }
        var seen: [UInt64] = []
        for try await (sequence, bytes) in LogTail(directory: dir, from: 1) {
            MainActor.assertIsolated()
            #expect(bytes == records[Int(sequence) - 1])
            seen.append(sequence)
            if sequence == 3_000 { break }
        }
        #expect(seen == Array(1...3_000))
        var runs = 0, total = 0
        var tail = LogTail(directory: dir, from: 1_001)
        tail.batchSize = 128
        for try await run in tail.batches {
            MainActor.assertIsolated()
            #expect(!run.isEmpty && run.count <= 128)
            #expect(run.first!.sequence == UInt64(1_001 + total))
            for (sequence, bytes) in run { #expect(bytes == records[Int(sequence) - 1]) }
            runs += 1
            total += run.count
            if run.last!.sequence == 3_000 { break }
        }
        #expect(total == 2_000 && runs >= 2_000 / 128)
        try w.close()
    }

    /// A record a tail yields is already counted by the log it follows: at or below
    /// `durableSequence` (`.sync`) read right after, never ahead of the log's own counters.
    @Test(arguments: [Durability.sync, .deferred])
    func aTailNeverRunsAheadOfTheLogsCounters(_ durability: Durability) async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let log = try Log.open(directory: dir, options: LogOptions(segmentSize: 1 << 20), durability: durability)
        let total: UInt64 = 4_000
        let consumer = Task {
            var ahead = 0
            for try await (sequence, _) in LogTail(directory: dir, from: 1) {
                let counted = durability == .sync ? log.durableSequence : log.lastSequence
                if sequence > counted { ahead += 1 }
                if sequence == total { break }
            }
            return ahead
        }
        await withTaskGroup(of: Void.self) { group in
            for p in 0..<8 {
                group.addTask { for i in 0..<Int(total) / 8 { _ = try? await log.append(payload(p * 1_000 + i, size: 64)) } }
            }
        }
        let ahead = try await consumer.value
        try await log.close()
        #expect(ahead == 0, "\(ahead) records were yielded before the log counted them")
    }

    /// The tail polls once an hour here, so only the writer's notification can deliver the
    /// record within the time limit, whichever way the tail spells the writer's directory.
    @Test(.timeLimit(.minutes(1)), arguments: ["as the writer", "trailing slash", "dot segments", "symbolic link"])
    func inProcessNotificationWakesAWaitingTail(spelling: String) async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        try w.append(payload(0))
        let tailDirectory: String
        switch spelling {
        case "trailing slash": tailDirectory = dir + "//"
        case "dot segments": tailDirectory = tmp.path + "/./log/../log"
        case "symbolic link":
            tailDirectory = tmp.sub("link")
            #expect(symlink(dir, tailDirectory) == 0)
        default: tailDirectory = dir
        }
        var tail = LogTail(directory: tailDirectory, from: 2)
        tail.minimumPollInterval = .seconds(3600)
        tail.maximumPollInterval = .seconds(3600)
        let consumer = Task {
            var it = tail.makeAsyncIterator()
            return try await it.next()?.sequence
        }
        while DurabilityNotifier.shared.waiterCount(directory: tailDirectory) == 0 { try await Task.sleep(for: .milliseconds(5)) }
        try w.append(payload(1))
        #expect(try await consumer.value == 2)
        try w.close()
    }

    @Test func notifierWaitReturnsAtOnceWhenAlreadyPublishedAndTimesOutOtherwise() async {
        let notifier = DurabilityNotifier()
        notifier.published(directory: "/x/log/", durableThrough: 7)
        #expect(notifier.durableThrough(directory: "/x/log") == 7)
        #expect(await notifier.wait(directory: "/x/log", beyond: 6, timeout: .seconds(10)))
        #expect(await notifier.wait(directory: "/x/log", beyond: 7, timeout: .milliseconds(5)) == false)
    }

    @Test func cancellationEndsTheSequence() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 3)
        let consumer = Task {
            var count = 0
            for try await _ in LogTail(directory: dir) { count += 1 }
            return count
        }
        try await Task.sleep(for: .milliseconds(200))
        consumer.cancel()
        #expect(try await consumer.value == 3)
    }

    /// Time-limited: a tail that skipped nothing but started at what is left would read past
    /// its first batch's end and wait forever.
    @Test(.timeLimit(.minutes(1))) func recordsCompactedBeforeTheyWereReadAreAnErrorNotAGap() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        try makeBatchedLog(dir, count: 1200)
        try Checkpoint.write(directory: dir, sequence: 1200)
        _ = try Compactor(directory: dir).run()
        let first = try LogReader.open(directory: dir).firstSequence
        var it = LogTail(directory: dir, from: 1).makeAsyncIterator()
        await #expect(throws: LogError.compacted(requested: 1, firstAvailable: first)) { _ = try await it.next() }
        // The same from a later start the log no longer holds, with the typed error.
        var later = LogTail(directory: dir, from: first - 1).makeAsyncIterator()
        do throws(LogError) {
            _ = try await later.next()
            Issue.record("a compacted start yielded a record")
        } catch {
            #expect(error == .compacted(requested: first - 1, firstAvailable: first))
        }
    }

    @Test func survivesCompactionOfSegmentsBehindIt() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let written = try makeBatchedLog(dir, count: 600)
        var it = LogTail(directory: dir, from: 1).makeAsyncIterator()
        for i in 1...550 { #expect(try await it.next()?.sequence == UInt64(i)) }
        try Checkpoint.write(directory: dir, sequence: 540)
        #expect(try !Compactor(directory: dir).run().removed.isEmpty)
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        for i in 600..<700 { try w.append(payload(i, size: 200)) }
        for i in 551...700 {
            let next = try await it.next()
            #expect(next?.sequence == UInt64(i))
            if i <= 600 { #expect(next?.payload == written[i - 1]) }
        }
        try w.close()
    }
}
