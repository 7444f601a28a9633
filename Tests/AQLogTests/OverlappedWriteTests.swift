import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// `StorageFile.write(_:at:newBytesFrom:sync:whileInFlight:)`: the committer acknowledges the
/// previous batch inside it, so the work must run exactly once whatever the write does.
/// Serialized: liburing maps its rings with raw system calls TSan does not see, so two rings
/// mapped at one address by unsynchronised test cases would read as a data race.
@Suite(.serialized) struct OverlappedWriteTests {
    @Test(arguments: backends)
    func theWorkRunsOnceAndTheBytesLand(_ backend: Backend) throws {
        let tmp = TemporaryDirectory()
        let file = try backend.storage().openFile(tmp.sub("f"), create: true)
        defer { file.close() }
        try file.preallocateZeroed(size: 64 * 1024)
        let buffer = AlignedBuffer(capacity: 8192)
        for i in 0..<8192 { buffer.mutableBytes[i] = UInt8(truncatingIfNeeded: i * 7) }
        var runs = 0
        try file.write(buffer.bytes(0..<8192), at: 4096, newBytesFrom: 4096, sync: true, whileInFlight: { runs += 1 })
        #expect(runs == 1)
        var back = [UInt8](repeating: 0, count: 8192)
        #expect(try back.withUnsafeMutableBytes { try file.read(into: $0, at: 4096) } == 8192)
        #expect(back == Array(buffer.bytes(0..<8192)))
    }

    @Test(arguments: backends)
    func theWorkRunsOnceWhenTheWriteFails(_ backend: Backend) throws {
        let tmp = TemporaryDirectory()
        let file = try backend.storage().openFile(tmp.sub("f"), create: true)
        defer { file.close() }
        try file.preallocateZeroed(size: 64 * 1024)
        let buffer = AlignedBuffer(capacity: 4096)
        var runs = 0
        // Far beyond any ext4 file size limit: EFBIG (or EINVAL), reported by the write.
        #expect(throws: IOFailure.self) {
            try file.write(buffer.bytes(0..<4096), at: 1 << 50, newBytesFrom: 1 << 50, sync: true, whileInFlight: { runs += 1 })
        }
        #expect(runs == 1)
    }
}
