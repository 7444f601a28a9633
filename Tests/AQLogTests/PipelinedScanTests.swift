import Testing
@testable import AQLog

/// Recovery's decision table, row by row, and the scan of a segment written with several
/// commits in flight (batches after zero padding, on fresh blocks).
@Suite struct PipelinedScanTests {
    @Test func theTableHasOneRowForEveryShapeAndEachRowIsAsDocumented() {
        let expected: [TailDecision.Shape: TailDecision.Outcome] = [
            .zeros: .clean,
            .ownFooter: .footerArtefact,
            .damageAlone: .tornTail,
            .damageThenBatchesInFlight: .tornTail,
            .damageThenBatchesBeyondDepth: .unsyncedAfterDamage,
            .damageThenDurableClaim: .corruption,
        ]
        #expect(TailDecision.rows.count == TailDecision.Shape.allCases.count)
        #expect(Set(TailDecision.rows.map(\.shape)) == Set(TailDecision.Shape.allCases))
        for shape in TailDecision.Shape.allCases {
            #expect(TailDecision.outcome(for: shape) == expected[shape], "\(shape)")
        }
    }

    @Test func batchesAfterDamageCountAgainstTheDepth() {
        #expect(TailDecision.damage(followedBy: 0, commitDepth: 1) == .damageAlone)
        #expect(TailDecision.damage(followedBy: 1, commitDepth: 1) == .damageThenBatchesBeyondDepth)
        #expect(TailDecision.damage(followedBy: 1, commitDepth: 2) == .damageThenBatchesInFlight)
        #expect(TailDecision.damage(followedBy: 2, commitDepth: 2) == .damageThenBatchesBeyondDepth)
        #expect(TailDecision.damage(followedBy: 3, commitDepth: 4) == .damageThenBatchesInFlight)
        #expect(TailDecision.damage(followedBy: 4, commitDepth: 4) == .damageThenBatchesBeyondDepth)
    }

    /// An open segment of `batches` batches of three 100-byte records, each after the first
    /// starting on a fresh block (as a writer with another batch in flight begins it), written
    /// with `depth` commits in flight. Returns the image and each batch's file offset.
    func image(depth: Int, batches: Int, payloadSize: Int = 100) -> (bytes: [UInt8], starts: [Int]) {
        let size = 1 << 20
        var bytes = [UInt8](repeating: 0, count: size)
        let header = SegmentHeader(maxRecordSize: 4096, logID: LogID(high: 1, low: 2), baseSequence: 1,
                                   segmentSize: UInt64(size), previousDigest: 0, commitDepth: depth, inFlightBlocks: 16)
        bytes.withUnsafeMutableBytes { _ = header.encode(into: $0) }
        var starts: [Int] = []
        var end = SegmentLayout.dataStart
        var sequence: UInt64 = 1
        let batch = BatchBuffer(capacity: 64 * 1024)
        for _ in 0..<batches {
            end = alignUp(end, SegmentLayout.blockSize)  // a fresh block: the previous batch is in flight
            batch.reset(at: end, prefix: UnsafeRawBufferPointer(start: nil, count: 0))
            starts.append(end)
            for _ in 0..<3 {
                let payload = [UInt8](repeating: UInt8(truncatingIfNeeded: sequence), count: payloadSize)
                payload.withUnsafeBytes { batch.stage($0, sequence: sequence, payloadChecksum: CRC32C.checksum($0)) }
                sequence += 1
            }
            batch.finish(durableThrough: 0)  // nothing was durable when each began: all in flight
            for (i, b) in batch.writeBytes.enumerated() { bytes[batch.fileOffset + i] = b }
            end = batch.fileEnd
        }
        return (bytes, starts)
    }

    func scan(_ bytes: [UInt8]) -> SegmentScanner.Result {
        bytes.withUnsafeBytes { b in
            let header = try! SegmentHeader.decode(b).get().0
            return SegmentScanner(bytes: b, file: "seg", header: header).scan()
        }
    }

    @Test func theScanCrossesPaddingToTheNextBlockOnlyInAPipelinedSegment() {
        let (bytes, starts) = image(depth: 2, batches: 3)
        #expect(starts.allSatisfy { $0 % SegmentLayout.blockSize == 0 })
        let result = scan(bytes)
        #expect(result.verdict == .clean)
        #expect(result.offsets.count == 9)
        #expect(result.offsets.first.map(Int.init) == starts[2 - 2] && result.offsets[6] == UInt32(starts[2]))
        // The same bytes under a depth-1 header: the padding ends the records, and the
        // batches after it are committed data after damage no frame claims durable.
        let flat = image(depth: 1, batches: 3).bytes
        let r1 = scan(flat)
        #expect(r1.offsets.count == 3)
        guard case .unsyncedAfterDamage(let torn, _) = r1.verdict else { Issue.record("\(r1.verdict)"); return }
        #expect(torn.unsyncedCommittedRecords == 6)
    }

    /// Frames end on 8-byte boundaries, so padding can be 8 bytes: less than a frame header.
    /// Three records of 1,336 bytes and a commit frame end the first batch at 8184, 8 bytes
    /// before the block the next batch starts on.
    @Test func paddingOfEightBytesIsCrossedToo() {
        let (bytes, starts) = image(depth: 2, batches: 3, payloadSize: 1336)
        #expect(starts[1] == 8192)
        let result = scan(bytes)
        #expect(result.verdict == .clean, "\(result.verdict)")
        #expect(result.offsets.count == 9)
        // A later frame claiming the whole of it durable must not turn the padding into damage.
        let (vouched, _) = image(depth: 2, batches: 2, payloadSize: 1336)
        #expect(scan(vouched).offsets.count == 6)
    }

    @Test func aDamagedBatchFollowedByBatchesThatWereInFlightIsATornTail() {
        for depth in 2...4 {
            for following in 1...3 {
                var (bytes, starts) = image(depth: depth, batches: 1 + following)
                bytes[starts[0] + 20] ^= 0xFF  // the first batch's first payload
                let result = scan(bytes)
                #expect(result.offsets.isEmpty)
                if following < depth {
                    guard case .tornTail(let torn) = result.verdict else { Issue.record("depth \(depth), \(following): \(result.verdict)"); continue }
                    #expect(torn.offset == SegmentLayout.dataStart)
                    #expect(torn.unsyncedCommittedRecords == 3 * following)
                } else {
                    guard case .unsyncedAfterDamage = result.verdict else { Issue.record("depth \(depth), \(following): \(result.verdict)"); continue }
                }
            }
        }
    }

    @Test func aLaterFrameClaimingTheDamageDurableMakesItCorruption() {
        var (bytes, starts) = image(depth: 4, batches: 3)
        // Rewrite the last batch as one begun after the first two were durable.
        let batch = BatchBuffer(capacity: 64 * 1024)
        batch.reset(at: starts[2], prefix: UnsafeRawBufferPointer(start: nil, count: 0))
        for sequence in UInt64(7)...9 {
            let payload = [UInt8](repeating: UInt8(sequence), count: 100)
            payload.withUnsafeBytes { batch.stage($0, sequence: sequence, payloadChecksum: CRC32C.checksum($0)) }
        }
        batch.finish(durableThrough: 6)
        for (i, b) in batch.writeBytes.enumerated() { bytes[batch.fileOffset + i] = b }
        bytes[starts[0] + 20] ^= 0xFF
        guard case .corruption(let d) = scan(bytes).verdict else { Issue.record("not corruption"); return }
        #expect(d.offset == starts[0])
    }
}
