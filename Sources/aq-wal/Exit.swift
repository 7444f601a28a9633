#if canImport(Glibc)
import Glibc
#endif
import AQLog
import ArgumentParser
import Foundation

/// The `aq-wal` exit codes (docs/OPERATIONS.md).
enum Exit {
    static let healthy: Int32 = 0
    static let tornTail: Int32 = 1
    static let corruption: Int32 = 2
    static let usage: Int32 = 64
    static let cannotCreate: Int32 = 73
    static let ioError: Int32 = 74
    static let locked: Int32 = 75

    /// The exit code for a library error. `creating`: the command was creating the log.
    static func code(for error: LogError, creating: Bool = false) -> Int32 {
        switch error {
        case .logLocked: return locked
        case .corruption: return corruption
        case .tornTail: return tornTail
        case .invalidOptions, .invalidArgument, .recordTooLarge, .sequenceViolation, .compacted, .sequenceOutOfRange: return usage
        case .notFound, .notADirectory, .io: return creating ? cannotCreate : ioError
        case .poisoned, .closed: return ioError
        }
    }

    /// Prints one line on stderr.
    /// Through `write(2)`: a closed stderr (`2>&1 | head -1`) loses the line, never the process.
    static func report(_ message: String) { writeStderr("aq-wal: " + oneLine(message)) }

    /// `message` with its control characters escaped (`\n`, `\t`, `\r`, `\x1B`…, and the C1
    /// controls U+0080-U+009F as `\u{9B}`…, which terminals also obey): a path or a name holding
    /// a newline must not turn the one-line error into two, nor an escape sequence repaint it.
    static func oneLine(_ message: String) -> String {
        guard message.unicodeScalars.contains(where: isControl) else { return message }
        var escaped = ""
        for scalar in message.unicodeScalars {
            switch scalar {
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            case "\r": escaped += "\\r"
            case _ where scalar.value >= 0x80 && scalar.value < 0xA0:
                escaped += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            case _ where isControl(scalar):
                let hex = String(scalar.value, radix: 16, uppercase: true)
                escaped += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0)
    }

    /// Prints `message` and a newline on stderr as it is (a usage message may take several
    /// lines, as swift-argument-parser renders it).
    static func writeStderr(_ message: String) {
        let bytes = Array((message + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    /// Prints `error` on stderr and returns the `ExitCode` to throw.
    static func fail(_ error: LogError, creating: Bool = false) -> ExitCode {
        report(error.description)
        return ExitCode(code(for: error, creating: creating))
    }

    /// Runs `body`, turning a ``LogError`` into its one-line message and exit code.
    static func guarding<T>(creating: Bool = false, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as LogError {
            throw fail(error, creating: creating)
        }
    }
}

/// Writes a line to stdout at once (scripts read our output as it comes); false once stdout's
/// reader went away (``Output``).
@discardableResult
func emit(_ line: String) -> Bool {
    Output.write(Array((line + "\n").utf8))
}
