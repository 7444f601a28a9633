/// The byte layout of a consumer cursor file (`consumers/<name>.cursor`): two 32-byte slots,
/// little-endian, each self-checking.
///
/// ```
/// slot at 0 and at 32:
/// offset size field
///      0    6 magic "AQLCUR"
///      6    2 format version (1)
///      8    8 generation (the slot with the higher one wins)
///     16    8 position: the last sequence the consumer has processed (0: none)
///     24    4 reserved, zero
///     28    4 CRC-32C of bytes 0..<28
/// ```
/// A commit writes generation + 1 into the slot the current value is *not* in, in place, then
/// `fdatasync`s: a write torn by a crash damages only that slot, and the other still holds the
/// previous position. Writing in place (never a rename) is what lets a consumer advance its
/// cursor with write permission on this one file alone.
enum ConsumerCursorFormat {
    static let slotSize = 32
    static let size = 2 * slotSize
    static let magic = Array("AQLCUR".utf8)
    static let version: UInt16 = 1
    static let checksumOffset = 28

    struct Slot: Equatable {
        var generation: UInt64
        var position: UInt64
    }

    /// The 32 bytes of `slot`.
    static func encode(_ slot: Slot) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: slotSize)
        bytes.withUnsafeMutableBytes { b in
            for (i, m) in magic.enumerated() { b[i] = m }
            b.setU16(version, at: 6)
            b.setU64(slot.generation, at: 8)
            b.setU64(slot.position, at: 16)
            b.setU32(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<checksumOffset])), at: checksumOffset)
        }
        return bytes
    }

    /// A new file's 64 bytes: `position` in slot 0 at generation 1, slot 1 empty.
    static func newFile(position: UInt64) -> [UInt8] {
        encode(Slot(generation: 1, position: position)) + [UInt8](repeating: 0, count: slotSize)
    }

    /// The slot that `bytes` (one slot's 32) hold, or why they hold none.
    static func decodeSlot(_ bytes: UnsafeRawBufferPointer) -> Result<Slot, CursorProblem> {
        if bytes.isZero(0..<bytes.count) { return .failure(CursorProblem(offset: 0, reason: "empty")) }
        for (i, m) in magic.enumerated() where bytes[i] != m { return .failure(CursorProblem(offset: i, reason: "bad magic")) }
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<checksumOffset]))
        guard crc == bytes.u32(at: checksumOffset) else { return .failure(CursorProblem(offset: checksumOffset, reason: "checksum mismatch")) }
        let v = bytes.u16(at: 6)
        guard v == version else { return .failure(CursorProblem(offset: 6, reason: "unsupported version \(v)")) }
        guard bytes.u32(at: 24) == 0 else { return .failure(CursorProblem(offset: 24, reason: "reserved bytes set")) }
        return .success(Slot(generation: bytes.u64(at: 8), position: bytes.u64(at: 16)))
    }

    /// The current slot of a whole file and its index (0 or 1): the valid slot with the higher
    /// generation; the first problem when neither is valid.
    static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<(slot: Slot, index: Int), CursorProblem> {
        guard bytes.count == size else {
            return .failure(CursorProblem(offset: min(bytes.count, size), reason: "size \(bytes.count) bytes, not \(size)"))
        }
        let first = decodeSlot(UnsafeRawBufferPointer(rebasing: bytes[0..<slotSize]))
        let second = decodeSlot(UnsafeRawBufferPointer(rebasing: bytes[slotSize..<size]))
        switch (first, second) {
        case let (.success(a), .success(b)): return .success(b.generation > a.generation ? (b, 1) : (a, 0))
        case let (.success(a), .failure): return .success((a, 0))
        case let (.failure, .success(b)): return .success((b, 1))
        case let (.failure(problem), .failure): return .failure(problem)
        }
    }
}

/// Why a cursor file holds no valid slot: the offset of the first bad field and a reason.
struct CursorProblem: Error, Equatable {
    var offset: Int
    var reason: String
}
