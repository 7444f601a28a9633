// Identifiers are postcard byte strings: 0x10 then the 16 RFC-order bytes.

extension UUIDIdentifier {
    public func encode(to writer: inout PostcardWriter) { writer.writeIdentifier(self) }
    public init(from reader: inout PostcardReader) throws(CodecError) { self = try reader.readIdentifier() }
}

extension TaskId: PostcardCodable {}
extension RunId: PostcardCodable {}
extension AttemptId: PostcardCodable {}
extension SubscriptionId: PostcardCodable {}
extension ActorId: PostcardCodable {}
extension TenantId: PostcardCodable {}
extension LedgerEntryId: PostcardCodable {}
