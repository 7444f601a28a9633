/// The payload forms ``Log`` appends besides `[UInt8]`: each reads the caller's bytes in place
/// while the record is staged (copied into the batch being filled), so none is copied twice,
/// and all of them share `[UInt8]`'s one staging path.
extension Log {
    /// Appends `payload`'s bytes as one record; returns its sequence once it is durable.
    ///
    /// A collection with contiguous storage (`ArraySlice`, `ContiguousArray`, Foundation's
    /// `Data`, `UnsafeRawBufferPointer`, a native `String`'s `utf8`) is read in place; any
    /// other (`repeatElement(0, count: 64)`, a lazy `map`) is first gathered into an array.
    ///
    /// ```swift
    /// try await log.append(header + body)          // [UInt8]
    /// try await log.append(frame[4...])            // ArraySlice<UInt8>
    /// try await log.append(data)                   // Data
    /// ```
    @discardableResult
    public func append(_ payload: some Collection<UInt8>) async throws(LogError) -> UInt64 {
        let attempt = payload.withContiguousStorageIfAvailable { beginAppend(UnsafeRawBufferPointer($0)) }
            ?? Array(payload).withUnsafeBytes { beginAppend($0) }
        return try await committer.finishAppend(attempt).lowerBound
    }

    /// Appends the bytes `payload` views as one record; returns its sequence once it is durable.
    @discardableResult
    public func append(_ payload: RawSpan) async throws(LogError) -> UInt64 {
        let attempt = payload.withUnsafeBytes { beginAppend($0) }
        return try await committer.finishAppend(attempt).lowerBound
    }

    /// Appends the bytes `payload` views as one record; returns its sequence once it is durable.
    @discardableResult
    public func append(_ payload: Span<UInt8>) async throws(LogError) -> UInt64 {
        try await append(payload.bytes)
    }

    /// Appends `payload`'s UTF-8 bytes (no terminator) as one record; returns its sequence once
    /// it is durable. Read back with `String(decoding: bytes, as: UTF8.self)`.
    @discardableResult
    public func append(_ payload: String) async throws(LogError) -> UInt64 {
        try await append(payload.utf8)
    }
}
