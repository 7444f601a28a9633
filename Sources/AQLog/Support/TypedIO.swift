/// Runs an I/O step, turning its ``IOFailure`` into ``LogError/io(_:)``.
@inline(__always)
func io<T>(_ body: () throws(IOFailure) -> T) throws(LogError) -> T {
    do { return try body() } catch { throw .io(error) }
}
