/// Calls `body` with a view of each payload's bytes, in order, copying none of them; the views
/// are valid only during `body`. How a batch of `[UInt8]` payloads reaches the one staging
/// path, which takes raw bytes.
func withPayloadBytes<R, E: Error>(_ payloads: [[UInt8]],
                                   _ body: (UnsafeBufferPointer<UnsafeRawBufferPointer>) throws(E) -> R) throws(E) -> R {
    // The arrays are pinned by `withExtendedLifetime` and not mutated, so their buffers stay put.
    let views = payloads.map { p in p.withUnsafeBytes { UnsafeRawBufferPointer(start: $0.baseAddress, count: $0.count) } }
    return try withExtendedLifetime(payloads) { () throws(E) -> R in
        try views.withUnsafeBufferPointer { (buffer) throws(E) -> R in try body(buffer) }
    }
}

/// Calls `body` with a one-element buffer holding `payload`, without allocating.
func withPayloadBytes<R, E: Error>(_ payload: UnsafeRawBufferPointer,
                                   _ body: (UnsafeBufferPointer<UnsafeRawBufferPointer>) throws(E) -> R) throws(E) -> R {
    try withUnsafePointer(to: payload) { (p) throws(E) -> R in try body(UnsafeBufferPointer(start: p, count: 1)) }
}
