import CSodium

/// One-time libsodium initialisation.
///
/// `sodium_init` picks the fastest implementations for this CPU and seeds `randombytes`; every
/// entry point that calls libsodium goes through ``Sodium/ready`` first. A global `let` is
/// initialised exactly once, thread-safely, by the Swift runtime.
enum Sodium {
    static let ready: Bool = sodium_init() >= 0

    /// Throws when libsodium failed to initialise (it practically never does).
    @inline(__always)
    static func ensureReady() throws(CryptoError) {
        guard ready else { throw .libraryUnavailable }
    }
}
