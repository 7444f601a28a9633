/// The byte layout of the `ARCHIVED` file: 32 bytes, little-endian, self-checking.
///
/// ```
/// offset size field
///      0    8 magic "AQARCHV\0"
///      8    4 format version (1)
///     12    4 flags (0)
///     16    8 archived through: the last sequence of the newest archived segment (0: archiving
///             began, nothing sent yet)
///     24    4 CRC-32C of bytes 0..<24
///     28    4 reserved, zero
/// ```
/// Segments are archived strictly oldest first, so one sequence says which are: a sealed
/// segment is archived when its last sequence is at or below it. The file is replaced
/// atomically (temporary file synced, renamed; the directory synced for the first record only:
/// a later rename lost in a crash brings back an earlier record, which only sends a segment
/// again). A file of any other size,
/// magic, version or checksum is damaged: compaction then removes nothing, and archiving
/// refuses until the operator resets it (docs/OPERATIONS.md).
enum ArchiveStateFormat {
    static let size = 32
    static let magic: [UInt8] = Array("AQARCHV".utf8) + [0]
    static let version: UInt32 = 1
    static let checksumOffset = 24

    /// The 32 bytes recording that the log is archived through `through`.
    static func encode(through: UInt64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        bytes.withUnsafeMutableBytes { b in
            for (i, m) in magic.enumerated() { b[i] = m }
            b.setU32(version, at: 8)
            b.setU64(through, at: 16)
            b.setU32(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<checksumOffset])), at: checksumOffset)
        }
        return bytes
    }

    /// The sequence `bytes` record, or the offset and reason of the first problem found.
    static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<UInt64, ArchiveStateDamage> {
        func bad(_ offset: Int, _ reason: String) -> Result<UInt64, ArchiveStateDamage> {
            .failure(ArchiveStateDamage(file: "", offset: offset, reason: reason))
        }
        guard bytes.count == size else { return bad(min(bytes.count, size), "size \(bytes.count), not \(size)") }
        for (i, m) in magic.enumerated() where bytes[i] != m { return bad(i, "bad magic") }
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<checksumOffset]))
        guard crc == bytes.u32(at: checksumOffset) else { return bad(checksumOffset, "checksum mismatch") }
        guard bytes.u32(at: 8) == version else { return bad(8, "unsupported version \(bytes.u32(at: 8))") }
        guard bytes.u32(at: 12) == 0, bytes.u32(at: 28) == 0 else { return bad(12, "reserved bytes set") }
        return .success(bytes.u64(at: 16))
    }
}

/// Where and why an `ARCHIVED` file is unusable.
public struct ArchiveStateDamage: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `ARCHIVED` file.
    public var file: String
    /// Offset of the first bad field.
    public var offset: Int
    /// What is wrong there.
    public var reason: String

    /// `<file>: damaged archive state at offset <offset>: <reason>`.
    public var description: String { "\(file): damaged archive state at offset \(offset): \(reason)" }
}
