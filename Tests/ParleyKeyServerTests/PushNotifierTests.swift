import Foundation
import ParleyCrypto
import Testing

@testable import ParleyKeyServer

/// The notifiers on their own, in memory (no sockets, no database connection).
@Suite("Push notifiers")
struct PushNotifierTests {
    /// A subscriber that stops reading is dropped once its buffer is full, with what it held,
    /// and publishing goes on for everyone else (finishing the dropped stream used to deadlock
    /// the publisher).
    @Test func aSubscriberPastItsBufferIsDroppedAndPublishingGoesOn() async throws {
        let notifier = InProcessMailboxNotifier()
        let bob = DeviceAddress(user: try UserID("bob"), device: 1)
        let carol = DeviceAddress(user: try UserID("carol"), device: 1)
        let slow = try #require(await notifier.subscribe(bob, identityKey: Self.someKey()))
        let other = try #require(await notifier.subscribe(carol, identityKey: Self.someKey()))
        let limit = InProcessMailboxNotifier.bufferLimit
        // Delivered on a Dispatch thread: a deadlock must fail this test, not block one of the
        // cooperative threads every other test runs on.
        let published = await Self.onDispatchThread(timeout: .seconds(10)) {
            notifier.deliver((0...limit).map { Self.envelope(Int64($0 + 1), to: bob) })
            notifier.deliver([Self.envelope(5000, to: carol)])
        }
        guard published else {
            // The notifier is stuck with its lock held: kept alive for good, since releasing a
            // subscription takes that lock (this test, and the process, would hang too).
            _ = Unmanaged.passRetained(Stuck(notifier: notifier, subscriptions: [slow, other]))
            Issue.record("delivering did not return")
            return
        }
        // bob's stream ends with its buffer dropped (the envelopes stay in his mailbox); he is
        // no longer subscribed.
        var ids: [Int64] = []
        for await envelope in slow.envelopes { ids.append(envelope.id) }
        #expect(ids.isEmpty)
        #expect(!notifier.hasSubscribers(bob))
        var carols = other.envelopes.makeAsyncIterator()
        #expect(await carols.next()?.id == 5000)
        other.cancel()
    }

    /// Buffered bytes are bounded too: the envelope that would pass the bound ends the
    /// subscription, and what it held is dropped.
    @Test func aSubscriberPastItsBufferedBytesIsDropped() async throws {
        var limits = ConnectionLimits()
        limits.streamBufferBytes = 10
        let notifier = InProcessMailboxNotifier(limits: limits)
        let bob = DeviceAddress(user: try UserID("bob"), device: 1)
        let subscription = try #require(await notifier.subscribe(bob, identityKey: Self.someKey()))
        notifier.deliver([Self.envelope(1, to: bob, bytes: 8)])
        #expect(notifier.hasSubscribers(bob))
        notifier.deliver([Self.envelope(2, to: bob, bytes: 8)])
        #expect(!notifier.hasSubscribers(bob))
        var ids: [Int64] = []
        for await envelope in subscription.envelopes { ids.append(envelope.id) }
        #expect(ids.isEmpty)
    }

    /// At most `streamsPerDevice` subscriptions per device; a freed one makes room.
    @Test func aDeviceHoldsAtMostItsStreams() async throws {
        var limits = ConnectionLimits()
        limits.streamsPerDevice = 2
        let notifier = InProcessMailboxNotifier(limits: limits)
        let bob = DeviceAddress(user: try UserID("bob"), device: 1)
        let first = try #require(await notifier.subscribe(bob, identityKey: Self.someKey()))
        _ = try #require(await notifier.subscribe(bob, identityKey: Self.someKey()))
        #expect(await notifier.subscribe(bob, identityKey: Self.someKey()) == nil)
        first.cancel()
        #expect(await notifier.subscribe(bob, identityKey: Self.someKey()) != nil)
    }

    /// Ending a device's subscriptions by key keeps those of the current key; ending them all
    /// (its removal) leaves none, and their streams finish.
    @Test func subscriptionsEndWithTheirDeviceOrItsKey() async throws {
        let notifier = InProcessMailboxNotifier()
        let bob = DeviceAddress(user: try UserID("bob"), device: 1)
        let (old, current) = (Self.someKey(), Self.someKey())
        let stale = try #require(await notifier.subscribe(bob, identityKey: old))
        let kept = try #require(await notifier.subscribe(bob, identityKey: current))
        notifier.endSubscriptions(of: bob, keeping: current)
        #expect(notifier.subscriptionCount(of: bob) == 1)
        var staleFrames = stale.envelopes.makeAsyncIterator()
        #expect(await staleFrames.next() == nil)
        notifier.deliver([Self.envelope(7, to: bob)])
        var keptFrames = kept.envelopes.makeAsyncIterator()
        #expect(await keptFrames.next()?.id == 7)
        await notifier.endSubscriptions(of: bob)
        #expect(notifier.subscriptionCount(of: bob) == 0)
        #expect(await keptFrames.next() == nil)
    }

    /// A device whose mailbox holds more than one read's worth (1000) of envelopes already
    /// pushed still gets new ones across instances (``PostgresMailboxNotifier``'s relay, on
    /// any storage).
    @Test func theRelayPushesNewEnvelopesBehindAFullReadOfOlderOnes() async throws {
        let (storage, bob, notifier) = try await Self.relayWithBob()
        let key = try #require(try await storage.identityKey(of: bob))
        let subscription = try #require(await notifier.subscribe(bob, identityKey: key))
        let deadline = Self.endAfterOneMinute(subscription)
        defer { deadline.cancel() }
        var frames = subscription.envelopes.makeAsyncIterator()
        let older = try await storage.enqueue(
            (0..<1000).map { OutgoingEnvelope(recipient: bob, body: [UInt8(truncatingIfNeeded: $0)]) }, from: bob, at: 1,
            mailboxLimit: 10_000)
        await notifier.relay(bob)
        var ids: [Int64] = []
        while ids.count < older.count, let envelope = await frames.next() { ids.append(envelope.id) }
        #expect(ids == older)
        // Nothing acknowledged: 1001 pending, the new one behind the first 1000.
        let newer = try await storage.enqueue(
            [OutgoingEnvelope(recipient: bob, body: [1])], from: bob, at: 2, mailboxLimit: 10_000)
        await notifier.relay(bob)
        #expect(await frames.next()?.id == newer.first)
    }

    /// A deadlocked notifier and its subscriptions, never released.
    private final class Stuck: Sendable {
        let notifier: InProcessMailboxNotifier
        let subscriptions: [MailboxSubscription]

        init(notifier: InProcessMailboxNotifier, subscriptions: [MailboxSubscription]) {
            self.notifier = notifier
            self.subscriptions = subscriptions
        }
    }

    /// Connecting a stream on a device with envelopes already waiting pushes only what is
    /// stored from then on (the waiting ones are fetched over HTTP), as the in-process notifier.
    @Test func theRelayStartsAfterWhatWasWaitingWhenTheDeviceConnected() async throws {
        let (storage, bob, notifier) = try await Self.relayWithBob()
        _ = try await storage.enqueue(
            (1...3).map { OutgoingEnvelope(recipient: bob, body: [UInt8($0)]) }, from: bob, at: 1, mailboxLimit: 100)
        let key = try #require(try await storage.identityKey(of: bob))
        let subscription = try #require(await notifier.subscribe(bob, identityKey: key))
        let deadline = Self.endAfterOneMinute(subscription)
        defer { deadline.cancel() }
        let new = try await storage.enqueue([OutgoingEnvelope(recipient: bob, body: [4])], from: bob, at: 2, mailboxLimit: 100)
        await notifier.relay(bob)
        var frames = subscription.envelopes.makeAsyncIterator()
        #expect(await frames.next()?.id == new.first)
    }

    /// A relay over an in-memory storage holding bob's device (no database connection: only
    /// ``PostgresMailboxNotifier/relay(_:)`` and ``PostgresMailboxNotifier/subscribe(_:identityKey:)`` run).
    private static func relayWithBob() async throws -> (MemoryKeyServerStorage, DeviceAddress, PostgresMailboxNotifier) {
        let storage = MemoryKeyServerStorage()
        let bob = try await storage.registerUser("bob")
        let notifier = PostgresMailboxNotifier(
            storage: storage, configuration: try PostgresStorageConfiguration(url: "postgres://nobody@127.0.0.1:1/none"))
        return (storage, bob, notifier)
    }

    /// What has not arrived within 60 s does not count: the stream is ended then (a bound, not
    /// a wait: the tests read until they have what they expect).
    private static func endAfterOneMinute(_ subscription: MailboxSubscription) -> Task<Void, any Error> {
        Task {
            try await Task.sleep(for: .seconds(60))
            subscription.cancel()
        }
    }

    private static func someKey() -> Ed25519.PublicKey {
        Ed25519.PrivateKey(random: SystemRandomSource()).publicKey
    }

    private static func envelope(_ id: Int64, to recipient: DeviceAddress, bytes: Int = 1) -> Envelope {
        Envelope(id: id, recipient: recipient, sender: recipient, timestamp: 1, body: [UInt8](repeating: 1, count: bytes))
    }

    /// Runs `work` on a Dispatch thread; false if it has not finished within `timeout`.
    private static func onDispatchThread(timeout: DispatchTimeInterval, _ work: @escaping @Sendable () -> Void) async -> Bool {
        await withCheckedContinuation { continuation in
            let done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                work()
                done.signal()
            }
            DispatchQueue.global().async {
                continuation.resume(returning: done.wait(timeout: .now() + timeout) == .success)
            }
        }
    }
}
