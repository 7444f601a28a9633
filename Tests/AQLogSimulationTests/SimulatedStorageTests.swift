import Testing
import SystemPackage
import AQLog
@testable import AQLogSimulation

/// The simulator's own semantics: durability of data and directory entries, crash modes, faults.
@Suite struct SimulatedStorageTests {
    func setUp(seed: UInt64 = 1) throws -> (SimulatedStorage, any StorageFile) {
        let disk = SimulatedStorage(seed: seed)
        try disk.createDirectory("/d")
        let file = try disk.openFile("/d/f", create: true)
        try disk.syncDirectory("/d")
        return (disk, file)
    }

    func write(_ file: any StorageFile, _ bytes: [UInt8], at offset: Int, sync: Bool = false) throws {
        var failure: IOFailure?
        bytes.withUnsafeBytes { b in
            do throws(IOFailure) { try file.write(b, at: offset, newBytesFrom: offset, sync: sync) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    @Test func syncedBytesSurviveAndUnsyncedAreDropped() throws {
        let (disk, file) = try setUp()
        try write(file, [1, 2, 3], at: 0, sync: true)
        try write(file, [4, 5], at: 3)
        #expect(disk.contents(of: "/d/f") == [1, 2, 3, 4, 5])
        disk.crash(.dropUnsynced)
        #expect(disk.contents(of: "/d/f") == [1, 2, 3])
        #expect(throws: IOFailure.self) { try file.size() }   // the old process is dead
    }

    /// fsyncgate drops pages, not inode metadata: a size change survives a failed sync, for
    /// the next sync to make durable.
    @Test func aFailedSyncForgetsPagesNotTheSize() throws {
        let (disk, file) = try setUp()
        try file.reserve(size: 8192)
        try write(file, [7], at: 0)
        disk.schedule(FaultTrigger(on: .sync, action: .fail(.ioError)))
        #expect(throws: IOFailure.self) { try file.syncData() }
        try file.syncData()
        #expect(disk.durableContents(of: "/d/f")?.count == 8192, "the size reached the disk")
        #expect(disk.durableContents(of: "/d/f")?.first == 0, "the forgotten page did not")
    }

    @Test func processCrashKeepsThePageCache() throws {
        let (disk, file) = try setUp()
        try write(file, [9, 9], at: 0)
        disk.crash(.keepUnsynced)
        #expect(disk.contents(of: "/d/f") == [9, 9])
        #expect(disk.durableContents(of: "/d/f") != [9, 9], "kept in the cache, not made durable")
        let reopened = try disk.openFile("/d/f", create: false)
        try reopened.syncData()  // a later process's sync makes it durable, as fdatasync would
        #expect(disk.durableContents(of: "/d/f") == [9, 9])
    }

    @Test func tornTailKeepsASectorPrefixOfTheLastWrite() throws {
        for seed in 0..<50 as Range<UInt64> {
            let (disk, file) = try setUp(seed: seed)
            try write(file, [UInt8](repeating: 0, count: 4096), at: 0, sync: true)
            try write(file, [UInt8](repeating: 7, count: 4096), at: 0)
            disk.crash(.tornTail)
            let after = disk.contents(of: "/d/f")!
            let sevens = after.prefix { $0 == 7 }.count
            #expect(sevens % 512 == 0 && after[sevens...].allSatisfy { $0 == 0 }, "seed \(seed)")
        }
    }

    @Test func randomSubsetKeepsWholeSectorsOnly() throws {
        let (disk, file) = try setUp(seed: 7)
        try write(file, [UInt8](repeating: 0, count: 8192), at: 0, sync: true)
        try write(file, [UInt8](repeating: 1, count: 8192), at: 0)
        disk.crash(.randomSubset)
        let after = disk.contents(of: "/d/f")!
        for s in 0..<16 { #expect(Set(after[(s * 512)..<((s + 1) * 512)]).count == 1) }
        #expect(disk.stats.sectorsLost > 0 && disk.stats.sectorsLost < 16)
    }

    @Test func directoryEntriesNeedADirectorySync() throws {
        let disk = SimulatedStorage(seed: 3)
        try disk.createDirectory("/d")
        let a = try disk.openFile("/d/a", create: true)
        try write(a, [1], at: 0, sync: true)
        disk.crash(.keepUnsynced)
        #expect(disk.contents(of: "/d/a") == [1], "a process crash keeps the entry, in the cache")
        disk.crash(.dropUnsynced)
        #expect(disk.contents(of: "/d/a") == nil, "creation was never made durable")

        let b = try disk.openFile("/d/b", create: true)
        try write(b, [2], at: 0, sync: true)
        try disk.syncDirectory("/d")
        try disk.rename("/d/b", to: "/d/c")
        #expect(try disk.listDirectory("/d") == ["c"])
        disk.crash(.dropUnsynced)
        #expect(try disk.listDirectory("/d") == ["b"], "rename not synced: the old name comes back")
        #expect(disk.contents(of: "/d/b") == [2])
    }

    @Test func failedSyncForgetsThePagesForever() throws {
        let (disk, file) = try setUp()
        try write(file, [1], at: 0, sync: true)
        try write(file, [2], at: 1)
        disk.schedule(FaultTrigger(on: .sync, action: .fail(.ioError)))
        #expect(throws: IOFailure.self) { try file.syncData() }
        #expect(disk.contents(of: "/d/f") == [1, 2], "still readable after the failed sync")
        try file.syncData()   // a retry succeeds but writes nothing: the pages were marked clean
        disk.crash(.dropUnsynced)
        #expect(disk.contents(of: "/d/f") == [1])
        #expect(disk.stats.syncIOErrors == 1)
    }

    @Test func shortWritesAreContinued() throws {
        let (disk, file) = try setUp()
        disk.faultRates = FaultRates(shortWrite: 0.5)
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0) }
        for _ in 0..<20 { try write(file, bytes, at: 0, sync: true) }
        #expect(disk.contents(of: "/d/f") == bytes)
        #expect(disk.stats.shortWrites > 0)
    }

    @Test func scheduledFaultsFireOnTheNthMatchingOperation() throws {
        let (disk, file) = try setUp()
        disk.schedule(FaultTrigger(on: .write, skip: 2, action: .fail(.noSpace)))
        try write(file, [1], at: 0)
        try write(file, [2], at: 1)
        #expect { try write(file, [3], at: 2) } throws: { ($0 as? IOFailure)?.errno == .noSpace }
        try write(file, [4], at: 2)
        #expect(disk.stats.writeNoSpace == 1)
    }

    @Test func preallocationFailureLeavesTheFileAlone() throws {
        let (disk, file) = try setUp()
        disk.schedule(FaultTrigger(on: .preallocate, action: .fail(.noSpace)))
        #expect { try file.preallocateZeroed(size: 65536) } throws: { ($0 as? IOFailure)?.errno == .noSpace }
        #expect(try file.size() == 0)
        try file.preallocateZeroed(size: 65536)
        disk.crash(.dropUnsynced)
        #expect(disk.contents(of: "/d/f")?.count == 65536, "preallocation syncs")
    }

    @Test func locksAreExclusiveAndDroppedByACrash() throws {
        let disk = SimulatedStorage(seed: 1)
        try disk.createDirectory("/d")
        let held = try disk.lockExclusive("/d/LOCK")
        #expect { try disk.lockExclusive("/d/LOCK") } throws: { ($0 as? IOFailure)?.errno == .wouldBlock }
        disk.crash(.keepUnsynced)
        let again = try disk.lockExclusive("/d/LOCK")
        held.release()   // a dead process's release must not free the new holder's lock
        #expect { try disk.lockExclusive("/d/LOCK") } throws: { ($0 as? IOFailure)?.errno == .wouldBlock }
        again.release()
    }

    @Test func bitFlipsAreAtRestAndMappingsAreSnapshots() throws {
        let (disk, file) = try setUp()
        try write(file, [0, 0], at: 0, sync: true)
        let region = try file.mapReadOnly()
        disk.flipBit(path: "/d/f", bit: 9)
        #expect(Array(region.bytes) == [0, 0])
        disk.crash(.dropUnsynced)
        #expect(disk.contents(of: "/d/f") == [0, 2])
    }

    @Test func sameSeedSameOutcome() throws {
        func run() throws -> [UInt8] {
            let (disk, file) = try setUp(seed: 99)
            for i in 0..<20 { try write(file, [UInt8](repeating: UInt8(i + 1), count: 700), at: i * 700) }
            disk.crash(.randomSubset)
            return disk.contents(of: "/d/f") ?? []
        }
        #expect(try run() == run())
    }
}
