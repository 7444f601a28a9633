import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// A `Log` dropped without `close()` closes itself: its lock is released for the next writer in
/// the same process, and every record it acknowledged is there.
@Suite struct LogLifecycleTests {
    @Test(arguments: [Durability.sync, .deferred])
    func aDroppedLogReleasesItsDirectoryWithEveryAcknowledgedRecord(_ durability: Durability) async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let options = LogOptions(segmentSize: 1 << 20, backend: .posix)
        var acknowledged: UInt64 = 0
        do {
            let log = try Log.open(directory: dir, options: options, durability: durability)
            for i in 0..<100 { acknowledged = try await log.append(payload(i)) }
            // dropped here, without close()
        }
        let reopened = try LogWriter.open(directory: dir, options: options)
        #expect(reopened.lastSequence == acknowledged)
        try reopened.close()
        let reader = try LogReader.open(directory: dir)
        #expect(try reader.record(acknowledged) == payload(Int(acknowledged) - 1))
    }

    @Test func aClosedLogDroppedLaterDoesNothingMore() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let options = LogOptions(segmentSize: 1 << 20, backend: .posix)
        do {
            let log = try Log.open(directory: dir, options: options)
            _ = try await log.append([1])
            try await log.close()
        }
        let reopened = try LogWriter.open(directory: dir, options: options)
        #expect(reopened.lastSequence == 1)
        try reopened.close()
    }
}
