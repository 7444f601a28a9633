import Testing
import AQTestSupport
import AQLog
@testable import ActionQueue

/// v5 interop: the reference's worked vectors (§2), verified independently, and the
/// corruption taxonomy and torn-tail classification (§3, §7.2).
@Suite struct V5Tests {
    /// CRC-32/IEEE computed bit by bit here, independent of AQLog's table implementation.
    static func bitwiseCRC(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    @Test func workedVectorsFromTheReference() throws {
        #expect(Self.bitwiseCRC(Array("123456789".utf8)) == 0xCBF4_3926)
        let paused = WalEvent(sequence: 1, event: .enginePaused(timestamp: 1000))
        #expect(paused.postcardBytes() == [0x01, 0x0B, 0xE8, 0x07])
        #expect(Self.bitwiseCRC([0x01, 0x0B, 0xE8, 0x07]) == 0x9D6E_BBDF)
        #expect(V5RecordFormat.encodeRecord(paused)
                == [0x05, 0, 0, 0, 0x04, 0, 0, 0, 0xDF, 0xBB, 0x6E, 0x9D, 0x01, 0x0B, 0xE8, 0x07])
        let resumed = WalEvent(sequence: 2, event: .engineResumed(timestamp: 2000))
        #expect(V5RecordFormat.encodeRecord(resumed)
                == [0x05, 0, 0, 0, 0x04, 0, 0, 0, 0x7D, 0x36, 0xD0, 0x93, 0x02, 0x0C, 0xD0, 0x0F])
        let canceled = WalEvent(sequence: 300, event: .taskCanceled(taskId: T(1), timestamp: 5))
        let payload: [UInt8] = [0xAC, 0x02, 0x05, 0x10] + [UInt8](repeating: 0, count: 15) + [0x01, 0x05]
        #expect(canceled.postcardBytes() == payload)
        #expect(payload.count == 21)
        #expect(Self.bitwiseCRC(payload) == 0x60E2_12DD)
        #expect(Array(V5RecordFormat.encodeRecord(canceled).prefix(12))
                == [0x05, 0, 0, 0, 0x15, 0, 0, 0, 0xDD, 0x12, 0xE2, 0x60])
        // And they decode back.
        let file = V5RecordFormat.encodeRecord(paused) + V5RecordFormat.encodeRecord(resumed) + V5RecordFormat.encodeRecord(canceled)
        let scan = V5FileScanner.scan(file)
        #expect(scan.outcome == .clean)
        #expect(scan.records.map(\.event) == [paused, resumed, canceled])
        #expect(scan.records.map(\.offset) == [0, 16, 32])
    }

    @Test func handBuiltFramesOfCoreVariantsDecode() throws {
        // seq 7, RunStateChanged{run 01…01, Ready(1) -> Leased(2), ts 300}: hand-assembled.
        let runId: [UInt8] = [0x01] + [UInt8](repeating: 0, count: 14) + [0x01]
        let payload: [UInt8] = [0x07, 0x02, 0x10] + runId + [0x01, 0x02, 0xAC, 0x02]
        var frame: [UInt8] = [0x05, 0, 0, 0, UInt8(payload.count), 0, 0, 0]
        let crc = Self.bitwiseCRC(payload)
        frame += [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)]
        frame += payload
        let record = try #require(try V5RecordParser.parse(frame, at: 0).get())
        #expect(record.event == WalEvent(sequence: 7, event: transition(1, .ready, .leased, at: 300)))
        // seq 8, LeaseAcquired{run, "w", expiry 5000, ts 1} and AttemptFinished with error text.
        let lease = WalEvent(sequence: 8, event: .leaseAcquired(runId: R(1), owner: "w", expiry: 5000, timestamp: 1))
        #expect(lease.postcardBytes() == [0x08, 0x07, 0x10] + runId + [0x01, 0x77, 0x88, 0x27, 0x01])
        let finished = WalEvent(sequence: 9, event: .attemptFinished(runId: R(1), attemptId: A(1), result: .timeout,
                                                                      error: "x", output: nil, timestamp: 0))
        let attemptId: [UInt8] = [0x02] + [UInt8](repeating: 0, count: 14) + [0x01]
        #expect(finished.postcardBytes() == [0x09, 0x04, 0x10] + runId + [0x10] + attemptId + [0x02, 0x01, 0x01, 0x78, 0x00, 0x00])
    }

    func records(_ count: Int) -> [UInt8] {
        (1...count).flatMap { V5RecordFormat.encodeRecord(WalEvent(sequence: UInt64($0), event: .tenantCreated(tenantId: Ten(1), name: "t", timestamp: 1))) }
    }

    @Test func corruptionTaxonomyAtRecordStart() {
        func reason(_ bytes: [UInt8]) -> V5CorruptionReason? {
            if case .failure(let c) = V5RecordParser.parse(bytes, at: 0) { return c.reason }
            return nil
        }
        #expect(reason([1, 2, 3]) == .incompleteHeader(available: 3))
        #expect(reason([5, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 1, 2]) == .incompletePayload(declared: 10, available: 2))
        #expect(reason([0xE7, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) == .unsupportedVersion(found: 999))
        let nope = Array("nope".utf8)
        #expect(reason([5, 0, 0, 0, 4, 0, 0, 0, 0xEF, 0xBE, 0xAD, 0xDE] + nope)
                == .crcMismatch(expected: 0xDEAD_BEEF, actual: Self.bitwiseCRC(nope)))
        if case .decodeFailure? = reason(V5RecordFormat.frame(payload: [0x01, 0xFF])) {} else { Issue.record("expected decode failure") }
        if case .decodeFailure? = reason(V5RecordFormat.frame(payload: [])) {} else { Issue.record("zero-length payload must fail") }
        // One order: the length cap comes before the version, the version before a short payload.
        #expect(reason([9, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]) == .payloadTooLarge(declared: .max))
        #expect(reason([9, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0]) == .unsupportedVersion(found: 9))
        #expect(V5RecordFormat.version == 5)
        #expect(V5CorruptionReason.payloadTooLarge(declared: 1).code == "decode_failure")
    }

    @Test func tornTailsAreClassifiedAtTheEndOfTheLastGoodRecord() {
        let good = records(2)
        let x = UInt64(good.count)
        let cases: [([UInt8], V5CorruptionReason)] = [
            ([5, 0], .incompleteHeader(available: 2)),
            ([5, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3], .incompletePayload(declared: 10, available: 3)),
            ([0xFF, 0xFF, 0xFF], .incompleteHeader(available: 3)),
            ([UInt8](repeating: 0, count: 5), .incompleteHeader(available: 5)),
        ]
        for (tail, reason) in cases {
            let scan = V5FileScanner.scan(good + tail)
            #expect(scan.records.count == 2)
            #expect(scan.outcome == .tornTail(V5Corruption(offset: x, reason: reason), bytes: UInt64(tail.count)))
        }
        // A complete final record with a bad CRC (a zero-filled or half-written tail) is torn too.
        var lastBad = records(3)
        lastBad[lastBad.count - 1] ^= 0x40
        if case .tornTail(let c, _) = V5FileScanner.scan(lastBad).outcome {
            #expect(c.offset == x)
            #expect(c.reason.code == "crc_mismatch")
        } else { Issue.record("expected a torn tail") }
    }

    @Test func damageFollowedByValidRecordsIsCorruption() {
        var bytes = records(3)
        let recordLength = bytes.count / 3
        bytes[recordLength + 14] ^= 0x01  // inside record 2's payload
        let scan = V5FileScanner.scan(bytes)
        #expect(scan.records.count == 1)
        guard case .corruption(let c, let next) = scan.outcome else {
            Issue.record("expected corruption, got \(scan.outcome)")
            return
        }
        #expect(c.offset == UInt64(recordLength))
        #expect(c.reason.code == "crc_mismatch")
        #expect(next == UInt64(2 * recordLength))
        // Garbage inserted between good records is corruption as well.
        let good = records(2)
        let spliced = Array(good.prefix(recordLength)) + [0xFF, 0xFF, 0xFF] + Array(good.suffix(recordLength))
        if case .corruption(let c2, _) = V5FileScanner.scan(spliced).outcome {
            #expect(c2.offset == UInt64(recordLength))
            #expect(c2.reason == .payloadTooLarge(declared: UInt32(good[4]) << 24))  // version word 0x05FFFFFF, length from record 2's bytes
        } else { Issue.record("expected corruption") }
    }

    @Test func importCleanTornAndCorruptFiles() throws {
        let events: [WalEventType] = [taskCreated(1), runCreated(1, task: 1), transition(1, .scheduled, .ready),
                                      .enginePaused(timestamp: 5)]
        // v5 allowed gaps: sequences 1, 5, 10, 11 are renumbered densely.
        let sequences: [UInt64] = [1, 5, 10, 11]
        let file = zip(sequences, events).flatMap { V5RecordFormat.encodeRecord(WalEvent(sequence: $0, event: $1)) }
        let dir = TemporaryDirectory()
        dir.write("actionqueue.wal", file)

        let clean = InMemoryEventLog()
        let report = try V5Importer.importV5(file: dir.path + "/actionqueue.wal", into: clean)
        #expect(report.recordsImported == 4)
        #expect(report.renumbered)
        #expect(report.exitStatus == 0)
        #expect(report.variantCounts["RunStateChanged"] == 1)
        #expect(clean.lastSequence == 4)
        #expect(clean.durableSequence == 4)
        #expect(try RecoveryBootstrap.recover(log: clean, snapshots: nil).projection == (try replayed(events)))

        let torn = InMemoryEventLog()
        let tornReport = try V5Importer.importV5(bytes: file + [5, 0, 0, 0, 50, 0, 0, 0, 1, 2, 3, 4, 9, 9], into: torn)
        #expect(tornReport.recordsImported == 4)
        #expect(tornReport.exitStatus == 1)
        #expect(tornReport.tornTail == V5Corruption(offset: UInt64(file.count), reason: .incompletePayload(declared: 50, available: 2)))
        #expect(tornReport.tornTailBytes == 14)

        var damaged = file
        damaged[20] ^= 0x01
        let refused = InMemoryEventLog()
        #expect(throws: V5Importer.Failure.self) { try V5Importer.importV5(bytes: damaged, into: refused) }
        #expect(refused.lastSequence == 0)  // nothing appended
        do { _ = try V5Importer.importV5(bytes: damaged, into: refused) } catch { #expect(error.exitStatus == 2) }

        // A well-framed record replay would reject (Ready -> Scheduled) refuses the import.
        let bad = file + V5RecordFormat.encodeRecord(WalEvent(sequence: 12, event: transition(1, .ready, .scheduled)))
        let rejected = InMemoryEventLog()
        #expect(throws: V5Importer.Failure.self) { try V5Importer.importV5(bytes: bad, into: rejected) }
        #expect(rejected.lastSequence == 0)
        #expect(throws: V5Importer.Failure.self) { try V5Importer.importV5(file: dir.path + "/missing.wal", into: rejected) }
    }

    @Test func randomFilesNeverCrashTheScanner() {
        var rng = SplitMix(seed: 7)
        let base = records(4)
        for _ in 0..<500 {
            var bytes = base
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            let cut = Int(rng.next() % UInt64(bytes.count + 1))
            let scan = V5FileScanner.scan(Array(bytes.prefix(cut)))
            // Every record returned is a prefix of the original records.
            #expect(scan.records.count <= 4)
            for (i, record) in scan.records.enumerated() { #expect(record.offset == UInt64(i * base.count / 4)) }
        }
    }
}
