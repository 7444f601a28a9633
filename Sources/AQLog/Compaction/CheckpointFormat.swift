/// The byte layout of the `CHECKPOINT` file: 32 bytes, little-endian, self-checking.
///
/// ```
/// offset size field
///      0    8 magic "AQLCKPT\0"
///      8    4 format version (1)
///     12    4 reserved, zero
///     16    8 checkpoint sequence
///     24    4 CRC-32C of bytes 0..<24
///     28    4 reserved, zero
/// ```
/// A file of any other size, magic, version or checksum is damaged and is treated as "no
/// checkpoint" (never as some other value).
enum CheckpointFormat {
    static let size = 32
    static let magic: [UInt8] = Array("AQLCKPT".utf8) + [0]
    static let version: UInt32 = 1
    static let checksumOffset = 24

    /// The 32 bytes recording `sequence`.
    static func encode(sequence: UInt64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        bytes.withUnsafeMutableBytes { b in
            for (i, m) in magic.enumerated() { b[i] = m }
            b.setU32(version, at: 8)
            b.setU64(sequence, at: 16)
            b.setU32(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<checksumOffset])), at: checksumOffset)
        }
        return bytes
    }

    /// Why a file's bytes are not a valid checkpoint: the offset of the bad field and a
    /// stable snake_case reason.
    struct Problem: Error, Equatable {
        var offset: Int
        var reason: String
    }

    /// The sequence recorded in `bytes`, or the first problem found.
    static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<UInt64, Problem> {
        guard bytes.count >= size else { return .failure(Problem(offset: bytes.count, reason: "truncated (\(bytes.count) of \(size) bytes)")) }
        guard bytes.count == size else { return .failure(Problem(offset: size, reason: "trailing bytes (\(bytes.count) bytes)")) }
        for (i, m) in magic.enumerated() where bytes[i] != m { return .failure(Problem(offset: i, reason: "bad magic")) }
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<checksumOffset]))
        guard crc == bytes.u32(at: checksumOffset) else { return .failure(Problem(offset: checksumOffset, reason: "checksum mismatch")) }
        let v = bytes.u32(at: 8)
        guard v == version else { return .failure(Problem(offset: 8, reason: "unsupported version \(v)")) }
        guard bytes.u32(at: 12) == 0, bytes.u32(at: 28) == 0 else { return .failure(Problem(offset: 12, reason: "reserved bytes set")) }
        return .success(bytes.u64(at: 16))
    }
}
