import Testing
import AQLogSimulation
@testable import AQLog

/// A checkpoint names a durable sequence: set with no writer over what a killed `.deferred`
/// writer left in the page cache, it survives a power loss only with those records, so setting
/// it makes them durable first.
@Suite struct CheckpointDurabilityTests {
    @Test func aCheckpointOverAKilledDeferredWritersRecordsNeverOutlivesThem() throws {
        let disk = SimulatedStorage(seed: 4242)
        let options = LogOptions(segmentSize: 256 * 1024, backend: .posix)
        let writer = try LogWriter(directory: "/log", options: options, durability: .deferred, storage: disk, backgroundPreparation: false)
        for i in 0..<40 { try writer.append(contentsOf: (0..<5).map { k in [UInt8](repeating: UInt8(truncatingIfNeeded: i &* 5 &+ k), count: 200) }) }
        disk.crash(.keepUnsynced)   // the process dies: its records are in the page cache only
        disk.resume()
        let last = try LogReader(directory: "/log", storage: disk).lastSequence
        #expect(last == 200)
        try Checkpoint.write(directory: "/log", sequence: last, storage: disk)
        disk.crash(.dropUnsynced)   // then the power goes
        disk.resume()
        #expect(try LogReader(directory: "/log", storage: disk).lastSequence >= last, "the checkpoint's records are still there")
        #expect(try Checkpoint.read(directory: "/log", storage: disk) == .recorded(last))
    }
}
