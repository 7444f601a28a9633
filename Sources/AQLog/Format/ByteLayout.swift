/// Little-endian field access on raw bytes: the only way format code reads or writes integers.
extension UnsafeRawBufferPointer {
    @inlinable func u16(at offset: Int) -> UInt16 { UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
    @inlinable func u32(at offset: Int) -> UInt32 { UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    @inlinable func u64(at offset: Int) -> UInt64 { UInt64(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
    /// True when every byte in `range` is zero (8 bytes at a time).
    @inlinable func isZero(_ range: Range<Int>) -> Bool {
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            if loadUnaligned(fromByteOffset: i, as: UInt64.self) != 0 { return false }
            i += 8
        }
        while i < range.upperBound {
            if self[i] != 0 { return false }
            i += 1
        }
        return true
    }
}

extension UnsafeMutableRawBufferPointer {
    @inlinable func setU16(_ value: UInt16, at offset: Int) { storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt16.self) }
    @inlinable func setU32(_ value: UInt32, at offset: Int) { storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self) }
    @inlinable func setU64(_ value: UInt64, at offset: Int) { storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt64.self) }
}

/// Rounds `value` up to a multiple of `alignment` (a power of two).
@inlinable func alignUp(_ value: Int, _ alignment: Int) -> Int { (value + alignment - 1) & ~(alignment - 1) }
/// Rounds `value` down to a multiple of `alignment` (a power of two).
@inlinable func alignDown(_ value: Int, _ alignment: Int) -> Int { value & ~(alignment - 1) }
