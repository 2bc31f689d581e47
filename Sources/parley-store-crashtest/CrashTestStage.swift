import ArgumentParser

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A named moment of the child's run at which the crash test can have it stop itself
/// (`--stop-at STAGE`): the child raises SIGSTOP there, the test sees it stopped (waitpid with
/// WUNTRACED) and kills or continues it. Kill points chosen this way are the same on a fast
/// machine and on a loaded one, unlike delays.
enum CrashTestStage: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// `stores.partial/` exists and is empty.
    case setupBegun = "setup-begun"
    /// Alice's store is created; Bob's is not.
    case aliceCreated = "alice-created"
    /// Both stores exist; Bob has published nothing yet.
    case bobCreated = "bob-created"
    /// Bob's signed and one-time prekeys are saved; Alice has no session.
    case preKeysSaved = "prekeys-saved"
    /// Alice's session is started; `stores.partial/` is not renamed yet.
    case sessionStarted = "session-started"
    /// The stores are open and what a killed run left is delivered: the send/receive loop begins.
    case ready
    /// A receiver has committed a message whose sender has not marked it sent yet.
    case inFlight = "in-flight"

    /// The stages inside a first-time setup, in the order they are reached.
    static let setup: [CrashTestStage] = [.setupBegun, .aliceCreated, .bobCreated, .preKeysSaved, .sessionStarted]
}

/// Where this run stops itself, if anywhere.
struct CrashTestStopPoint: Sendable {
    let stage: CrashTestStage?

    /// Stops the process (SIGSTOP) if `stage` is the chosen one; returns when it is continued.
    func reached(_ stage: CrashTestStage) {
        guard stage == self.stage else { return }
        _ = raise(SIGSTOP)
    }
}
