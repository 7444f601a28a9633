import Testing
import PropertyBased
import CCRC
@testable import AQLog

/// Bit-at-a-time reflected CRC-32: the definition the table engines must match.
func bitwiseCRC(_ bytes: [UInt8], polynomial: UInt32) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        crc ^= UInt32(b)
        for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ polynomial : crc >> 1 }
    }
    return ~crc
}

@Suite struct CRCTests {
    let check = Array("123456789".utf8)

    @Test func checkValues() {
        #expect(check.withUnsafeBytes { CRC32C.portable($0) } == 0xE306_9283)
        #expect(CRC32C.checksum(check) == 0xE306_9283)
        #expect(check.withUnsafeBytes { CRC32C.hardware($0) } == 0xE306_9283)
        #expect(CRC32IEEE.checksum(check) == 0xCBF4_3926)
        #expect(CRC32C.checksum([]) == 0)
    }

    @Test func slicingMatchesBitwiseAtRandomLengthsAndAlignments() async {
        await propertyCheck(count: 300, input: Gen.uint8().array(of: 0...600), Gen.int(in: 0...7)) { bytes, shift in
            let slice = Array(bytes.dropFirst(min(shift, bytes.count)))
            // Misalign the start by copying into a buffer at an odd offset.
            var padded = [UInt8](repeating: 0xAA, count: shift) + slice  // var: mutable pointer below
            let portable = padded.withUnsafeMutableBytes { p in CRC32C.portable(UnsafeRawBufferPointer(rebasing: p[shift...])) }
            #expect(portable == bitwiseCRC(slice, polynomial: CRC32C.polynomial))
            #expect(CRC32IEEE.checksum(slice) == bitwiseCRC(slice, polynomial: CRC32IEEE.polynomial))
        }
    }

    @Test func hardwareAndZlibCrossCheck() async {
        await propertyCheck(count: 200, input: Gen.uint8().array(of: 0...5000)) { bytes in
            bytes.withUnsafeBytes { p in
                #expect(CRC32C.hardware(p) == CRC32C.portable(p))
                #expect(ccrc_crc32_zlib(0, p.baseAddress, p.count) == CRC32IEEE.checksum(p))
            }
        }
    }

    /// The fused per-frame checksum and digest fold of the hardware engine agree with the
    /// portable engine's definition: CRC-32C of the payload, continued with header bytes 4..<16.
    @Test(.enabled(if: CRC32C.engine == .isal, "the hardware engine needs SSE4.2"))
    func hardwareFrameChecksumAndFoldMatchThePortableDefinition() async {
        await propertyCheck(count: 300, input: Gen.uint8().array(of: 16...700), Gen.int(in: 0...Int(UInt32.max))) { frame, raw in
            let value = UInt32(raw)
            frame.withUnsafeBytes { p in
                let length = p.count - 16
                let portable = CRC32C.portable(UnsafeRawBufferPointer(rebasing: p[4..<16]),
                                               continuing: CRC32C.portable(UnsafeRawBufferPointer(rebasing: p[16...])))
                #expect(CRC32C.hardwareFrame(p.baseAddress!, payloadLength: length) == portable)
                #expect(FrameHeader.checksumOfFrame(in: p, at: 0, length: length) == portable)
                // What a writer computes from the payload's checksum and the fields it sets.
                let payloadCRC = CRC32C.portable(UnsafeRawBufferPointer(rebasing: p[16...]))
                #expect(CRC32C.hardwareFrameFields(payloadCRC, word: p.u32(at: 4), sequence: p.u64(at: 8)) == portable)
                #expect(FrameHeader.expectedChecksum(payloadChecksum: payloadCRC, word: p.u32(at: 4), sequence: p.u64(at: 8)) == portable)
            }
            let bytes = withUnsafeBytes(of: value.littleEndian) { Array($0) }
            let digest = UInt32(truncatingIfNeeded: frame.count &* 2_654_435_761)
            let portable = bytes.withUnsafeBytes { CRC32C.portable($0, continuing: digest) }
            #expect(CRC32C.hardwareFold(digest, value) == portable)
            #expect(digestFold(digest, value) == portable)
        }
    }

    /// A batch or segment digest folded in one pass over the checksums equals folding them one
    /// at a time, in order (logs written either way must agree): empty, one, and many values.
    @Test func foldingAllChecksumsAtOnceEqualsFoldingEachInOrder() {
        var random = SystemRandomNumberGenerator()
        for count in [0, 1, 2, 7, 256, 1000] {
            let values = (0..<count).map { _ in UInt32.random(in: .min ... .max, using: &random) }
            let start = UInt32.random(in: .min ... .max, using: &random)
            #expect(digestFold(start, all: values) == values.reduce(start, digestFold), "\(count) values")
            #expect(digestFold(0, all: values) == values.reduce(0) { digestFold($0, $1) })
        }
    }

    @Test func continuationEqualsOneShot() async {
        await propertyCheck(count: 200, input: Gen.uint8().array(of: 0...400), Gen.int(in: 0...400)) { bytes, cut in
            let k = min(cut, bytes.count)
            let a = Array(bytes[..<k]), b = Array(bytes[k...])
            #expect(CRC32C.checksum(b, continuing: CRC32C.checksum(a)) == CRC32C.checksum(bytes))
            #expect(CRC32IEEE.checksum(b, continuing: CRC32IEEE.checksum(a)) == CRC32IEEE.checksum(bytes))
            let aCRC = a.withUnsafeBytes { CRC32C.portable($0) }
            #expect(b.withUnsafeBytes { CRC32C.portable($0, continuing: aCRC) } == CRC32C.checksum(bytes))
        }
    }
}
