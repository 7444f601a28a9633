/// Reads postcard-encoded primitives from a byte buffer, bounds-checked.
///
/// Every read either returns a value or throws a ``CodecError``; no input can make it trap.
/// Lengths are checked against the remaining bytes before anything is allocated, and a
/// sequence's element count is bounded by the remaining bytes (every element takes at
/// least one byte), so hostile lengths cannot cause large allocations.
public struct PostcardReader: Sendable {
    /// The whole input; reads start at ``offset``.
    public let bytes: [UInt8]
    /// Offset of the next unread byte.
    public private(set) var offset: Int

    /// Reads `bytes` starting at `offset`.
    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// Bytes not yet read.
    public var remaining: Int { bytes.count - offset }

    /// Reads one raw byte.
    public mutating func readU8() throws(CodecError) -> UInt8 {
        guard offset < bytes.count else { throw .unexpectedEnd(offset: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// An unsigned LEB128 varint of at most `maxBits` significant bits.
    public mutating func readVarint(maxBits: Int = 64) throws(CodecError) -> UInt64 {
        let start = offset
        var result: UInt64 = 0
        var shift = 0
        while true {
            let byte = try readU8()
            let chunk = UInt64(byte & 0x7F)
            guard shift < maxBits else { throw .varintOverflow(offset: start) }
            let room = maxBits - shift
            if room < 7 && chunk >> UInt64(room) != 0 { throw .varintOverflow(offset: start) }
            result |= chunk << UInt64(shift)
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Reads a `u32` varint (at most 5 bytes).
    public mutating func readU32() throws(CodecError) -> UInt32 {
        UInt32(try readVarint(maxBits: 32))
    }

    /// Reads a `u64` varint (at most 10 bytes).
    public mutating func readU64() throws(CodecError) -> UInt64 { try readVarint(maxBits: 64) }

    /// Reads a zigzag `i32`.
    public mutating func readI32() throws(CodecError) -> Int32 {
        let zigzag = try readU32()
        return Int32(bitPattern: (zigzag >> 1) ^ (0 &- (zigzag & 1)))
    }

    /// Reads a bool; bytes other than 0 and 1 are refused.
    public mutating func readBool() throws(CodecError) -> Bool {
        let at = offset
        let byte = try readU8()
        switch byte {
        case 0: return false
        case 1: return true
        default: throw .invalidBool(offset: at, byte: byte)
        }
    }

    /// A length prefix that must not exceed the remaining input.
    public mutating func readLength() throws(CodecError) -> Int {
        let at = offset
        let length = try readU64()
        guard length <= UInt64(remaining) else {
            throw .lengthExceedsInput(offset: at, length: length, remaining: remaining)
        }
        return Int(length)
    }

    /// Reads a byte string.
    public mutating func readBytes() throws(CodecError) -> [UInt8] {
        let length = try readLength()
        defer { offset += length }
        return Array(bytes[offset..<offset + length])
    }

    /// Reads a UTF-8 string.
    public mutating func readString() throws(CodecError) -> String {
        let at = offset
        let raw = try readBytes()
        guard let string = String(validating: raw, as: UTF8.self) else { throw .invalidUTF8(offset: at) }
        return string
    }

    /// Reads a UUID id (byte string of exactly 16 bytes).
    public mutating func readIdentifier<T: UUIDIdentifier>(_: T.Type = T.self) throws(CodecError) -> T {
        let at = offset
        let length = try readLength()
        guard length == 16 else { throw .invalidUUIDLength(offset: at, length: UInt64(length)) }
        defer { offset += 16 }
        return T(bytes: bytes[offset..<offset + 16])!
    }

    /// Reads an Option tag and, if `01`, the value with `body`.
    public mutating func readOptional<T>(_ body: (inout PostcardReader) throws(CodecError) -> T) throws(CodecError) -> T? {
        let at = offset
        let tag = try readU8()
        switch tag {
        case 0: return nil
        case 1: return try body(&self)
        default: throw .invalidOptionTag(offset: at, byte: tag)
        }
    }

    /// Reads varint(count) then `count` elements with `body`.
    public mutating func readSequence<T>(_ body: (inout PostcardReader) throws(CodecError) -> T) throws(CodecError) -> [T] {
        let count = try readLength()
        var values: [T] = []
        // A count is bounded by the bytes left, not by what the elements take in memory:
        // reserve for a plausible number only, and let a hostile count fail on its bytes.
        values.reserveCapacity(min(count, 1024))
        for _ in 0..<count { values.append(try body(&self)) }
        return values
    }

    /// A discriminant that must be `< count`.
    public mutating func readDiscriminant(count: UInt32, type: String) throws(CodecError) -> UInt32 {
        let at = offset
        let value = try readU32()
        guard value < count else { throw .invalidDiscriminant(offset: at, type: type, value: value) }
        return value
    }

    /// Throws unless every byte has been consumed.
    public func expectEnd() throws(CodecError) {
        if remaining != 0 { throw .trailingBytes(offset: offset, count: remaining) }
    }
}
