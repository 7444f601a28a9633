#if canImport(Glibc)
import Glibc
#endif

/// Reads an environment variable (used for explicit, documented overrides only).
func getenvString(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
}
