import Testing
import AQTestSupport
import Foundation
@testable import AQLog

/// Every payload form reaches the log as the same bytes, through both writers, and array
/// literals still pick `[UInt8]`.
@Suite struct PayloadFormTests {
    /// The bytes each form below must append, in order.
    static let expected: [[UInt8]] = [
        [1, 2, 3], [], [9, 8, 7, 6], [3, 4], [5, 6, 7], Array("payload".utf8), [7, 7, 7, 7, 7],
        [10, 11, 12, 13], Array("héllo, wörld".utf8), [], [21, 22], [31, 32, 33], [41],
    ]

    @Test func aLogWriterAppendsEveryFormAsTheSameBytes() throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let w = try LogWriter.open(directory: dir, options: smallSegments)
        let array: [UInt8] = [9, 8, 7, 6]
        let big: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        var sequences: [UInt64] = []
        sequences.append(try w.append([1, 2, 3]))                                   // array literal
        sequences.append(try w.append([]))                                          // empty literal
        sequences.append(try w.append(array))                                       // [UInt8]
        sequences.append(try w.append(big[2..<4]))                                  // ArraySlice
        sequences.append(try w.append(ContiguousArray<UInt8>([5, 6, 7])))           // ContiguousArray
        sequences.append(try w.append(Data("payload".utf8)))                        // Data
        sequences.append(try w.append(repeatElement(UInt8(7), count: 5)))           // not contiguous
        sequences.append(try w.append((10..<14).lazy.map { UInt8($0) }))            // LazyMapCollection
        sequences.append(try w.append("héllo, wörld"))                              // String
        sequences.append(try w.append(""))                                          // empty String
        let spanned: [UInt8] = [21, 22]
        sequences.append(try w.append(spanned.span))                                // Span<UInt8>
        let raw: [UInt8] = [31, 32, 33]
        sequences.append(try w.append(raw.span.bytes))                              // RawSpan
        sequences.append(try [UInt8]([41]).withUnsafeBytes { (p) throws(LogError) in try w.append(p) })
        try w.close()
        #expect(sequences == Array(1...13))
        #expect(try readAll(dir) == Self.expected)
    }

    @Test(arguments: [Durability.sync, .deferred])
    func aLogAppendsEveryFormAsTheSameBytes(_ durability: Durability) async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let log = try Log.open(directory: dir, options: smallSegments, durability: durability)
        let array: [UInt8] = [9, 8, 7, 6]
        let big: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        let spanned: [UInt8] = [21, 22]
        let raw: [UInt8] = [31, 32, 33]
        var sequences: [UInt64] = []
        sequences.append(try await log.append([1, 2, 3]))
        sequences.append(try await log.append([]))
        sequences.append(try await log.append(array))
        sequences.append(try await log.append(big[2..<4]))
        sequences.append(try await log.append(ContiguousArray<UInt8>([5, 6, 7])))
        sequences.append(try await log.append(Data("payload".utf8)))
        sequences.append(try await log.append(repeatElement(UInt8(7), count: 5)))
        sequences.append(try await log.append((10..<14).lazy.map { UInt8($0) }))
        sequences.append(try await log.append("héllo, wörld"))
        sequences.append(try await log.append(""))
        sequences.append(try await log.append(spanned.span))
        sequences.append(try await log.append(raw.span.bytes))
        let pointer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1, alignment: 1)
        defer { pointer.deallocate() }
        pointer[0] = 41
        sequences.append(try await log.append(UnsafeRawBufferPointer(pointer)))  // a Collection<UInt8>
        try await log.close()
        #expect(sequences == Array(1...13))
        #expect(try readAll(dir) == Self.expected)
    }

    @Test func anOversizedPayloadIsRefusedInEveryForm() async throws {
        let tmp = TemporaryDirectory()
        let options = LogOptions(segmentSize: 64 * 1024, maxRecordSize: 16, backend: .posix)
        let w = try LogWriter.open(directory: tmp.sub("w"), options: options)
        let log = try Log.open(directory: tmp.sub("l"), options: options)
        let big = [UInt8](repeating: 1, count: 17)
        let tooLarge = LogError.recordTooLarge(size: 17, limit: 16)
        #expect(throws: tooLarge) { try w.append(big[...]) }
        #expect(throws: tooLarge) { try w.append(repeatElement(UInt8(1), count: 17)) }
        #expect(throws: tooLarge) { try w.append(String(repeating: "a", count: 17)) }
        #expect(throws: tooLarge) { try w.append(big.span) }
        await #expect(throws: tooLarge) { try await log.append(big[...]) }
        await #expect(throws: tooLarge) { try await log.append(big.lazy.map { $0 }) }
        await #expect(throws: tooLarge) { try await log.append(big.span.bytes) }
        #expect(try w.append(big[1...]) == 1)
        #expect(try await log.append(big[1...]) == 1)
        try w.close()
        try await log.close()
    }

    /// Appends held by back-pressure restage their own copy: their payloads existed only
    /// during the call (a lazy map gathered into a temporary array), yet every record holds
    /// what its producer sent. The committer is parked in a flush's sync so staged bytes pile
    /// up past the 64 KiB bound.
    @Test(.timeLimit(.minutes(1))) func appendsHeldByBackPressureKeepTheirBytes() async throws {
        let tmp = TemporaryDirectory(); let dir = tmp.sub("log")
        let storage = RecordingStorage()
        var options = LogOptions(segmentSize: 4 << 20, backend: .posix)
        options.maxPendingBytes = 64 * 1024
        let log = try Log(directory: dir, options: options, durability: .deferred, storage: storage)
        try await log.append([0])
        let park = CommitterLockTests.Park()
        storage.beforeSyncData.withLock { $0 = park.hook() }
        let executor = DedicatedExecutor()
        let flush = Task(executorPreference: executor) { try await log.flush() }
        #expect(await eventually { park.parked.withLock { $0 } })
        let bytes: @Sendable (Int) -> LazyMapSequence<Range<Int>, UInt8> = { seed in
            (0..<30_000).lazy.map { UInt8(truncatingIfNeeded: $0 &* 7 &+ seed) }
        }
        // 30 KB each: three fit under the bound (it is checked before staging), the rest wait.
        let producers = (1...6).map { seed in
            Task(executorPreference: executor) {
                seed % 2 == 0 ? try await log.append(bytes(seed)) : try await log.append(Array(bytes(seed)).span)
            }
        }
        #expect(await eventually { log.committer.appendsWaitingForSpace == 3 }, "three appends wait for room")
        storage.beforeSyncData.withLock { $0 = nil }
        park.release.signal()
        try await flush.value
        var sequences: [Int: UInt64] = [:]
        for (i, producer) in producers.enumerated() { sequences[i + 1] = try await producer.value }
        try await log.close()
        let records = try readAll(dir)
        #expect(records.count == 7)
        for (seed, sequence) in sequences {
            let same = records[Int(sequence) - 1] == Array(bytes(seed))
            #expect(same, "record \(sequence) holds what producer \(seed) sent")
        }
    }
}
