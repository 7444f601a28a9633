/// The byte layout of the `CHECKPOINT` file: 32 bytes, little-endian, self-checking.
///
/// ```
/// offset size field
///      0    8 magic "AQLCKPT\0"
///      8    4 format version (2; 1 is read too)
///     12    2 compaction holds (CompactionHolds; an unknown bit is damage); 0 in version 1
///     14    2 flags: bit 0 = no checkpoint sequence recorded; 0 in version 1
///     16    8 checkpoint sequence
///     24    4 CRC-32C of bytes 0..<24
///     28    4 reserved, zero
/// ```
/// A file of any other size, magic, version or checksum is damaged and is treated as "no
/// checkpoint" (never as some other value), and compaction then removes nothing. Version 2 is
/// written only while a hold exists; a binary that reads only version 1 sees it as damaged, so
/// an older compactor never removes a segment a hold it does not know keeps.
enum CheckpointFormat {
    static let size = 32
    static let magic: [UInt8] = Array("AQLCKPT".utf8) + [0]
    static let version: UInt32 = 2
    static let checksumOffset = 24
    static let noSequenceFlag: UInt16 = 1 << 0

    /// What a valid file records.
    struct Content: Equatable {
        /// The checkpoint sequence; nil when the file carries only holds.
        var sequence: UInt64?
        var holds: CompactionHolds = []
    }

    /// The 32 bytes recording `content`: version 1 when there is no hold (what every version
    /// reads), else version 2.
    static func encode(_ content: Content) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        bytes.withUnsafeMutableBytes { b in
            for (i, m) in magic.enumerated() { b[i] = m }
            if content.holds.isEmpty, content.sequence != nil {
                b.setU32(1, at: 8)
            } else {
                b.setU32(version, at: 8)
                b.setU16(content.holds.rawValue, at: 12)
                b.setU16(content.sequence == nil ? noSequenceFlag : 0, at: 14)
            }
            b.setU64(content.sequence ?? 0, at: 16)
            b.setU32(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<checksumOffset])), at: checksumOffset)
        }
        return bytes
    }

    /// The 32 bytes recording `sequence` with no hold.
    static func encode(sequence: UInt64) -> [UInt8] { encode(Content(sequence: sequence)) }

    /// Why a file's bytes are not a valid checkpoint: the offset of the bad field and a
    /// stable snake_case reason.
    struct Problem: Error, Equatable {
        var offset: Int
        var reason: String
    }

    /// What `bytes` record, or the first problem found.
    static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<Content, Problem> {
        guard bytes.count >= size else { return .failure(Problem(offset: bytes.count, reason: "truncated (\(bytes.count) of \(size) bytes)")) }
        guard bytes.count == size else { return .failure(Problem(offset: size, reason: "trailing bytes (\(bytes.count) bytes)")) }
        for (i, m) in magic.enumerated() where bytes[i] != m { return .failure(Problem(offset: i, reason: "bad magic")) }
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<checksumOffset]))
        guard crc == bytes.u32(at: checksumOffset) else { return .failure(Problem(offset: checksumOffset, reason: "checksum mismatch")) }
        let v = bytes.u32(at: 8)
        guard v == 1 || v == version else { return .failure(Problem(offset: 8, reason: "unsupported version \(v)")) }
        guard bytes.u32(at: 28) == 0 else { return .failure(Problem(offset: 28, reason: "reserved bytes set")) }
        guard v == version || bytes.u32(at: 12) == 0 else { return .failure(Problem(offset: 12, reason: "reserved bytes set")) }
        let holds = CompactionHolds(rawValue: bytes.u16(at: 12))
        guard CompactionHolds.known.isSuperset(of: holds) else {
            return .failure(Problem(offset: 12, reason: "unsupported holds 0x\(String(holds.rawValue, radix: 16))"))
        }
        let flags = bytes.u16(at: 14)
        guard flags & ~noSequenceFlag == 0 else { return .failure(Problem(offset: 14, reason: "unsupported flags 0x\(String(flags, radix: 16))")) }
        return .success(Content(sequence: flags & noSequenceFlag != 0 ? nil : bytes.u64(at: 16), holds: holds))
    }
}
