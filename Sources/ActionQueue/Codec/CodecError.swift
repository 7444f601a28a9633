/// Why a byte string is not a valid postcard encoding of the expected value.
///
/// Decoding is total: every malformed input maps to one of these, with the byte offset
/// (within the decoded buffer) where the problem was found.
public enum CodecError: Error, Sendable, Hashable {
    /// The input ended inside a value.
    case unexpectedEnd(offset: Int)
    /// A varint was longer than its type allows, or its value does not fit the type.
    case varintOverflow(offset: Int)
    /// A bool byte other than 0 or 1.
    case invalidBool(offset: Int, byte: UInt8)
    /// An Option tag other than 0 or 1.
    case invalidOptionTag(offset: Int, byte: UInt8)
    /// An enum discriminant outside the type's range.
    case invalidDiscriminant(offset: Int, type: String, value: UInt32)
    /// A declared length (string, bytes, sequence) larger than the bytes that remain.
    case lengthExceedsInput(offset: Int, length: UInt64, remaining: Int)
    /// A UUID byte string whose length is not 16.
    case invalidUUIDLength(offset: Int, length: UInt64)
    /// A string that is not valid UTF-8.
    case invalidUTF8(offset: Int)
    /// Bytes left over after the value (only when trailing bytes are refused).
    case trailingBytes(offset: Int, count: Int)
    /// A multi-event record declares fewer than two events (one event is stored as a
    /// single-event record, so that form is never produced).
    case invalidEventCount(offset: Int, count: Int)

    /// Where in the input the problem is (a byte offset, or the input's length at its end).
    public var offset: Int {
        switch self {
        case .unexpectedEnd(let o), .varintOverflow(let o), .invalidUTF8(let o): return o
        case .invalidBool(let o, _), .invalidOptionTag(let o, _), .invalidUUIDLength(let o, _), .trailingBytes(let o, _): return o
        case .invalidDiscriminant(let o, _, _), .lengthExceedsInput(let o, _, _): return o
        case .invalidEventCount(let o, _): return o
        }
    }
}
