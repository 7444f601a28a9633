/// The payload forms ``LogWriter`` appends besides `UnsafeRawBufferPointer` and `[UInt8]`: each
/// hands the caller's bytes, read in place, to the one `UnsafeRawBufferPointer` append.
extension LogWriter {
    /// Appends `payload`'s bytes as one record; returns its sequence once durable.
    ///
    /// A collection with contiguous storage (`ArraySlice`, `ContiguousArray`, Foundation's
    /// `Data`, a native `String`'s `utf8`) is read in place; any other
    /// (`repeatElement(0, count: 64)`, a lazy `map`) is first gathered into an array.
    @discardableResult
    public func append(_ payload: some Collection<UInt8>) throws(LogError) -> UInt64 {
        let appended = payload.withContiguousStorageIfAvailable { bytes in
            Result { () throws(LogError) in try append(UnsafeRawBufferPointer(bytes)) }
        }
        guard let appended else { return try append(Array(payload)) }
        return try appended.get()
    }

    /// Appends the bytes `payload` views as one record; returns its sequence once durable.
    @discardableResult
    public func append(_ payload: RawSpan) throws(LogError) -> UInt64 {
        try payload.withUnsafeBytes { (bytes) throws(LogError) in try append(bytes) }
    }

    /// Appends the bytes `payload` views as one record; returns its sequence once durable.
    @discardableResult
    public func append(_ payload: Span<UInt8>) throws(LogError) -> UInt64 {
        try append(payload.bytes)
    }

    /// Appends `payload`'s UTF-8 bytes (no terminator) as one record; returns its sequence once
    /// durable.
    @discardableResult
    public func append(_ payload: String) throws(LogError) -> UInt64 {
        try append(payload.utf8)
    }
}
