/// `Codable` values as records: encoded by the caller's ``LogRecordEncoder`` and appended as
/// its bytes, read back through a ``LogRecordDecoder``. The log stores bytes only: which
/// encoding (and which version of a type) a record holds is the application's to know.
///
/// These throw untyped: the coder's own error (`EncodingError`, `DecodingError`, …) unchanged,
/// or a ``LogError`` from the log.
extension Log {
    /// Appends `value`, encoded by `encoder`, as one record; returns its sequence once it is
    /// durable. An encoding failure throws the encoder's error and appends nothing.
    ///
    /// ```swift
    /// let sequence = try await log.append(order, encoder: JSONEncoder())
    /// ```
    @discardableResult
    public func append(_ value: some Encodable, encoder: some LogRecordEncoder) async throws -> UInt64 {
        try await append(encoder.encode(value))
    }
}

extension LogWriter {
    /// Appends `value`, encoded by `encoder`, as one record; returns its sequence once durable.
    /// An encoding failure throws the encoder's error and appends nothing.
    @discardableResult
    public func append(_ value: some Encodable, encoder: some LogRecordEncoder) throws -> UInt64 {
        try append(encoder.encode(value))
    }
}

extension LogReader {
    /// The value record `sequence` holds, decoded by `decoder` (from a copy of the payload).
    /// Throws the reader's ``LogError`` (as ``record(_:)``) or the decoder's error.
    ///
    /// ```swift
    /// let order = try reader.record(sequence, as: Order.self, decoder: JSONDecoder())
    /// ```
    public func record<T: Decodable>(_ sequence: UInt64, as type: T.Type, decoder: some LogRecordDecoder) throws -> T {
        try withRecord(sequence) { bytes in try decode(type, from: bytes, decoder) }
    }

    private func decode<T: Decodable, D: LogRecordDecoder>(_ type: T.Type, from bytes: UnsafeRawBufferPointer, _ decoder: D) throws -> T {
        try decoder.decode(type, from: D.EncodedRecord(bytes))
    }
}
