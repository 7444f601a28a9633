extension Storage {
    /// Succeeds when `path` is a directory; otherwise throws ``whyNotADirectory(_:)``.
    func requireDirectory(_ path: String) throws(LogError) {
        guard !isDirectory(path) else { return }
        throw whyNotADirectory(path)
    }

    /// What is at `path` instead of a directory: nothing (``LogError/notFound(path:)``),
    /// something else such as a regular file (``LogError/notADirectory(path:)``), or a path
    /// that cannot be looked at (``LogError/io(_:)``, e.g. `EACCES`).
    func whyNotADirectory(_ path: String) -> LogError {
        do throws(IOFailure) { _ = try listDirectory(path) } catch {
            switch error.errno {
            case .notDirectory: return .notADirectory(path: path)
            case .noSuchFileOrDirectory: return .notFound(path: path)
            default: return .io(error)
            }
        }
        return .notFound(path: path)
    }
}
