import Foundation

/// The envelopes waiting to be written to one stream, bounded in count and in bytes.
///
/// Past either bound the buffer closes and drops what it held: the stream ends and nothing is
/// lost, since envelopes stay in the mailbox until acknowledged (the client fetches over HTTP).
/// A closed buffer takes nothing more, so a device's removal ends its stream for good.
final class SubscriptionBuffer: @unchecked Sendable {
    /// Envelopes held at most.
    let maxCount: Int
    /// Body bytes held at most.
    let maxBytes: Int

    // Guarded by `lock`.
    private let lock = NSLock()
    private var queue: [Envelope] = []
    private var head = 0
    private var bytes = 0
    private var closed = false
    private var waiter: CheckedContinuation<Envelope?, Never>?

    /// An open, empty buffer.
    init(maxCount: Int, maxBytes: Int) {
        self.maxCount = maxCount
        self.maxBytes = maxBytes
    }

    /// Queues `envelope` for the writer, or closes the buffer when it would pass a bound.
    /// - Returns: false when the buffer is closed (now or before); the envelope was not queued.
    func push(_ envelope: Envelope) -> Bool {
        let (handOver, accepted): (CheckedContinuation<Envelope?, Never>?, Bool) = lock.withLock {
            guard !closed else { return (nil, false) }
            if let waiter {
                self.waiter = nil
                return (waiter, true)
            }
            guard queue.count - head < maxCount, bytes + envelope.body.count <= maxBytes else {
                dropAll()
                return (nil, false)
            }
            queue.append(envelope)
            bytes += envelope.body.count
            return (nil, true)
        }
        handOver?.resume(returning: envelope)
        return accepted
    }

    /// Closes the buffer and drops what it held; a waiting reader gets nil.
    func close() {
        let waiting = lock.withLock {
            dropAll()
            let waiting = waiter
            waiter = nil
            return waiting
        }
        waiting?.resume(returning: nil)
    }

    /// True once closed.
    var isClosed: Bool { lock.withLock { closed } }

    /// The next envelope, waiting for one; nil once the buffer is closed (cancelling the
    /// caller closes it).
    func next() async -> Envelope? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Envelope?, Never>) in
                let ready: Envelope?? = lock.withLock {
                    if head < queue.count {
                        let envelope = queue[head]
                        head += 1
                        bytes -= envelope.body.count
                        if head == queue.count {
                            queue.removeAll(keepingCapacity: true)
                            head = 0
                        }
                        return .some(envelope)
                    }
                    if closed { return .some(nil) }
                    waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            close()
        }
    }

    /// Called with `lock` held.
    private func dropAll() {
        closed = true
        queue = []
        head = 0
        bytes = 0
    }
}
