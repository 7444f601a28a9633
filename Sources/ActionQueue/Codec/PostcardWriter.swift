/// Appends postcard-encoded primitives to a byte buffer.
///
/// Rules (postcard 1.x): unsigned integers other than `u8` are LEB128 varints; `i32` is
/// zigzag then varint; `u8` is one raw byte; bool is 0/1; Option is `00` or `01`+value;
/// strings, byte vectors and sequences are varint(length) then the items; enums are
/// varint(discriminant) then the fields; UUIDs are the byte string `10` + 16 bytes.
/// Encoding is deterministic: the same value always yields the same bytes.
public struct PostcardWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    /// Creates an empty writer, reserving `capacity` bytes.
    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends an unsigned LEB128 varint.
    public mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Appends one raw byte.
    public mutating func writeU8(_ value: UInt8) { bytes.append(value) }
    /// Appends a `u32` (varint).
    public mutating func writeU32(_ value: UInt32) { writeVarint(UInt64(value)) }
    /// Appends a `u64` (varint).
    public mutating func writeU64(_ value: UInt64) { writeVarint(value) }

    /// Appends an `i32` (zigzag, then varint).
    public mutating func writeI32(_ value: Int32) {
        let zigzag = UInt32(bitPattern: (value << 1) ^ (value >> 31))
        writeVarint(UInt64(zigzag))
    }

    /// Appends a bool as `00`/`01`.
    public mutating func writeBool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    /// Appends a byte string: varint(count), then the bytes.
    public mutating func writeBytes(_ value: [UInt8]) {
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// Appends a string as its UTF-8 byte string.
    public mutating func writeString(_ value: String) { writeBytes(Array(value.utf8)) }

    /// Appends a UUID id: `10` then its 16 bytes.
    public mutating func writeIdentifier(_ id: some UUIDIdentifier) { writeBytes(id.bytes) }

    /// Appends an Option: `00`, or `01` then the value written by `body`.
    public mutating func writeOptional<T>(_ value: T?, _ body: (inout PostcardWriter, T) -> Void) {
        if let value {
            bytes.append(1)
            body(&self, value)
        } else {
            bytes.append(0)
        }
    }

    /// Appends a sequence: varint(count), then each element written by `body`.
    public mutating func writeSequence<T>(_ values: [T], _ body: (inout PostcardWriter, T) -> Void) {
        writeVarint(UInt64(values.count))
        for value in values { body(&self, value) }
    }
}
