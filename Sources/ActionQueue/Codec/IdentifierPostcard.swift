// Identifiers are postcard byte strings: 0x10 then the 16 RFC-order bytes.

extension UUIDIdentifier {
    /// Writes the identifier as a postcard byte string: `0x10`, then its 16 RFC-order bytes.
    public func encode(to writer: inout PostcardWriter) { writer.writeIdentifier(self) }
    /// Reads an identifier; a byte string whose length is not 16 throws
    /// ``CodecError/invalidUUIDLength(offset:length:)``.
    public init(from reader: inout PostcardReader) throws(CodecError) { self = try reader.readIdentifier() }
}

extension TaskId: PostcardCodable {}
extension RunId: PostcardCodable {}
extension AttemptId: PostcardCodable {}
extension SubscriptionId: PostcardCodable {}
extension ActorId: PostcardCodable {}
extension TenantId: PostcardCodable {}
extension LedgerEntryId: PostcardCodable {}
