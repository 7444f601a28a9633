import Testing
import PropertyBased
import AQLog
@testable import ActionQueue

@Suite struct CodecTests {
    @Test func crcCheckValue() {
        #expect(CRC32IEEE.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func everyVariantRoundTripsAndEncodesDeterministically() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            var random = RandomEvents(rng: SplitMix(seed: seed))
            for variant in 0..<WalEventType.variantCount {
                let event = WalEvent(sequence: random.u64(), event: random.event(variant: variant))
                #expect(event.event.discriminant == variant)
                let bytes = event.postcardBytes()
                #expect(bytes == event.postcardBytes())
                #expect((try? WalEvent(postcard: bytes)) == event)
                // The variant index follows the sequence varint.
                var reader = PostcardReader(bytes)
                _ = try? reader.readU64()
                #expect((try? reader.readU32()) == variant)
            }
        }
    }

    @Test func randomBytesNeverCrashAndFailTyped() async {
        await propertyCheck(count: 2000, input: Gen.uint8().array(of: 0...80)) { bytes in
            do throws(CodecError) {
                // What decodes is a real event: its canonical encoding decodes to it again.
                let event = try WalEvent(postcard: bytes)
                #expect((try? WalEvent(postcard: event.postcardBytes())) == event)
            } catch {
                // Typed by the signature; located: the offset names a byte of the input (or its end).
                #expect((0...bytes.count).contains(error.offset), "\(error) for \(bytes.count) bytes")
            }
        }
    }

    @Test func mutatedEncodingsNeverCrash() async {
        await propertyCheck(count: 300, input: Gen.uint64(), Gen.uint64()) { seed, mutation in
            var random = RandomEvents(rng: SplitMix(seed: seed))
            let event = WalEvent(sequence: 7, event: random.event(variant: UInt32(seed % 31)))
            var bytes = event.postcardBytes()
            let index = Int(mutation % UInt64(bytes.count))
            bytes[index] ^= UInt8(truncatingIfNeeded: mutation >> 8) | 1
            if let decoded = try? WalEvent(postcard: bytes) {
                // Whatever still decodes is a real event: its canonical bytes round-trip.
                #expect((try? WalEvent(postcard: decoded.postcardBytes())) == decoded)
            }
            _ = try? WalEvent(postcard: Array(bytes.prefix(index)))
        }
    }

    @Test func hostileLengthsAreRefusedBeforeAllocation() {
        // seq 1, LedgerEntryAppended, entry id with a declared length of 2^62.
        let bytes: [UInt8] = [0x01, 30, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]
        #expect(throws: CodecError.lengthExceedsInput(offset: 2, length: 1 << 62, remaining: 0)) {
            try WalEvent(postcard: bytes)
        }
    }

    @Test func varintBounds() throws {
        var w = PostcardWriter()
        w.writeU64(.max)
        #expect(w.bytes == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        var r = PostcardReader(w.bytes)
        #expect(try r.readU64() == .max)
        var overflow = PostcardReader([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02])
        #expect(throws: CodecError.varintOverflow(offset: 0)) { try overflow.readU64() }
        var u32 = PostcardReader([0xFF, 0xFF, 0xFF, 0xFF, 0x10])
        #expect(throws: CodecError.varintOverflow(offset: 0)) { try u32.readU32() }
        var i = PostcardWriter()
        i.writeI32(-1); i.writeI32(1); i.writeI32(.min)
        #expect(i.bytes == [0x01, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
        var ir = PostcardReader(i.bytes)
        #expect(try ir.readI32() == -1)
        #expect(try ir.readI32() == 1)
        #expect(try ir.readI32() == .min)
    }

    @Test func invalidTagsAreTyped() {
        // seq 1, RunSuspended, run id, reason Option tag 2.
        let bytes: [UInt8] = [0x01, 14, 0x10] + [UInt8](repeating: 0, count: 16) + [0x02]
        #expect(throws: CodecError.invalidOptionTag(offset: 19, byte: 2)) { try WalEvent(postcard: bytes) }
        #expect(throws: CodecError.invalidDiscriminant(offset: 1, type: "WalEventType", value: 31)) {
            try WalEvent(postcard: [0x01, 31])
        }
        #expect(throws: CodecError.trailingBytes(offset: 4, count: 1)) {
            try WalEvent(postcard: [0x01, 0x0B, 0xE8, 0x07, 0x00])
        }
        #expect((try? WalEvent(postcard: [0x01, 0x0B, 0xE8, 0x07, 0x00], allowTrailingBytes: true)) != nil)
    }
}
