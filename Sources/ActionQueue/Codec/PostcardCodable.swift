/// A value with a postcard wire form (see ``PostcardWriter`` for the rules).
public protocol PostcardCodable {
    /// Appends this value's postcard bytes.
    func encode(to writer: inout PostcardWriter)
    /// Reads one value, throwing a ``CodecError`` on malformed input.
    init(from reader: inout PostcardReader) throws(CodecError)
}

extension PostcardCodable {
    /// This value's postcard bytes.
    public func postcardBytes() -> [UInt8] {
        var writer = PostcardWriter()
        encode(to: &writer)
        return writer.bytes
    }

    /// Decodes a value that must occupy all of `bytes` (unless `allowTrailingBytes`,
    /// which mirrors postcard's `from_bytes`, used for v5 import).
    public init(postcard bytes: [UInt8], allowTrailingBytes: Bool = false) throws(CodecError) {
        var reader = PostcardReader(bytes)
        try self.init(from: &reader)
        if !allowTrailingBytes { try reader.expectEnd() }
    }
}
