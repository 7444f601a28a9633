#if canImport(Glibc)
import Glibc
#endif

/// Splits `append`'s input into lines, in time linear in the input: each chunk is searched for
/// newlines once, and only the partial last line is carried to the next chunk. A line longer
/// than `maxLineLength` is reported as soon as that many bytes of it have arrived, without
/// waiting for its end.
struct LineSplitter {
    let maxLineLength: Int
    /// Lines completed and not yet taken.
    private(set) var complete: [[UInt8]] = []
    /// The line being read (no newline yet).
    private var partial: [UInt8] = []
    /// Lines completed so far, taken or not.
    private(set) var linesSeen = 0

    init(maxLineLength: Int) { self.maxLineLength = maxLineLength }

    /// Takes in `chunk`. Returns the 1-based number of a line longer than ``maxLineLength``
    /// (the lines before it are in ``complete``; the rest of the input is not read), else nil.
    mutating func feed(_ chunk: UnsafeRawBufferPointer) -> Int? {
        var start = 0
        while start < chunk.count {
            guard let newline = memchr(chunk.baseAddress! + start, 0x0A, chunk.count - start) else {
                if partial.count + (chunk.count - start) > maxLineLength { return linesSeen + 1 }
                partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start...]))
                return nil
            }
            let end = UnsafeRawPointer(newline) - chunk.baseAddress!  // the newline's index in `chunk`
            if partial.count + (end - start) > maxLineLength { return linesSeen + 1 }
            partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<end]))
            complete.append(partial)
            partial = []  // not keepingCapacity: `complete` shares the storage, and a long line's capacity would follow every later line
            linesSeen += 1
            start = end + 1
        }
        return nil
    }

    /// The completed lines, removed.
    mutating func takeComplete() -> [[UInt8]] {
        defer { complete.removeAll() }
        return complete
    }

    /// The last line when the input did not end with a newline.
    mutating func finish() -> [UInt8]? {
        guard !partial.isEmpty else { return nil }
        linesSeen += 1
        defer { partial.removeAll() }
        return partial
    }
}
