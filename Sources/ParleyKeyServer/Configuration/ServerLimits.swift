/// The key server's limits, each with the reason for its default (Specs/server-api.md §4).
public struct ServerLimits: Sendable, Equatable {
    /// One-time prekeys per upload call: 100. Enough to refill in one call, small enough that a
    /// call is one short transaction.
    public var maxOneTimePreKeysPerCall = 100
    /// One-time prekeys held per device: 1000. Bounds storage per device and what a claimer drains.
    public var maxOneTimePreKeysHeld = 1000
    /// One-time PQ prekeys per upload call: 100, as for one-time prekeys. A call of 100 is about
    /// 221 KB of JSON (1568-byte keys and 64-byte signatures in base64), inside
    /// ``maxPreKeyRequestBytes``.
    public var maxPQOneTimePreKeysPerCall = 100
    /// One-time PQ prekeys held per device: 1000, as for one-time prekeys. About 1.6 MB per device
    /// at most; bounds what a claimer can drain and what a device can make the server store.
    public var maxPQOneTimePreKeysHeld = 1000
    /// Largest request body on the prekey upload routes (`/v1/keys/signed-prekey`, `one-time`,
    /// `pq-last-resort`, `pq-one-time`): 256 KiB (`413 body_too_large` beyond it). A full call of
    /// 100 PQ prekeys is about 221 KB, so it fits with room for whitespace; anything larger is not
    /// a valid upload and is refused before it is parsed, instead of at ``maxRequestBytes``.
    public var maxPreKeyRequestBytes = 256 * 1024
    /// Whether a claim leaves out devices that have no PQ prekey at all (neither one-time nor last
    /// resort), as it does devices without a signed prekey: on by default, since clients start
    /// only Parley-v2 sessions and upload PQ prekeys (`--no-require-pq-prekeys`,
    /// `PARLEY_REQUIRE_PQ_PREKEYS=0` turn it off). While off, such a device's bundle goes out
    /// without `pq_prekey`, which a Parley-v2 client refuses.
    public var requirePQPreKeys = true
    /// Bytes of one message body (decoded): 256 KiB. Larger payloads go through attachments.
    public var maxMessageBytes = 256 * 1024
    /// Messages pending per recipient device: 10,000. Bounds one device's storage while offline.
    public var maxMailboxDepth = 10_000
    /// Messages one sender device may have pending in one recipient device's mailbox: 1000, a
    /// tenth of the mailbox (`409 sender_quota` beyond it; `--sender-quota`,
    /// `PARLEY_SENDER_QUOTA`). Without it one device with no contacts could fill a mailbox with
    /// ten calls and every other sender would get `mailbox_full` until the victim drained it;
    /// with it, filling a mailbox takes ten sending devices, and a sender past its share waits
    /// (its client keeps the envelope queued) until the recipient acknowledges or the messages
    /// expire. Still far above what a person sends one device while it is offline.
    public var maxPendingPerSender = 1000
    /// How long an unacknowledged message is kept, in milliseconds: 30 days.
    public var messageTTLMilliseconds: Int64 = 30 * 24 * 3600 * 1000
    /// Largest accepted request body: 4 MiB. Fits a batch of messages plus base64 overhead
    /// (a single 256 KiB message is about 350 KiB encoded).
    public var maxRequestBytes = 4 * 1024 * 1024
    /// Messages per send call: 1000 (one per recipient device of a fan-out).
    public var maxMessagesPerCall = 1000
    /// Envelopes per fetch and ids per ack: 1000.
    public var maxFetchLimit = 1000
    /// Envelopes per fetch when `limit` is absent: 100.
    public var defaultFetchLimit = 100
    /// Allowed clock difference and replay-cache lifetime, in milliseconds: 300 s.
    public var replayWindowMilliseconds: Int64 = 300 * 1000
    /// Request signatures held in an in-memory replay cache (SQLite, in-memory storage): 1,000,000
    /// in all (about 100 MB at most; `--replay-records`, `PARLEY_REPLAY_RECORDS`), 50,000 per
    /// device or per address being registered (over 80 signed requests a second for the up to
    /// 600 s a record lives; `--replay-records-per-device`, `PARLEY_REPLAY_RECORDS_PER_DEVICE`).
    /// A device at its own bound gets `429` until its records expire. A full cache makes room by
    /// dropping the oldest records of the devices holding the most and raising those devices'
    /// replay floors (``ReplayCache``), so that a few devices cannot fill it for everyone and no
    /// dropped request can be replayed.
    public var replayCache = ReplayCacheLimits(records: 1_000_000, recordsPerDevice: 50_000)

    /// `POST /v1/keys/claim` per calling device: a burst of 30, then 30 a minute. A client claims
    /// once per new contact device, so this is far above normal use, yet one device needs over
    /// half an hour to drain a full stock of 1000 one-time prekeys instead of a second.
    public var claimRate = RateLimit(capacity: 30, refillPerMinute: 30)
    /// `PUT /v1/messages` per calling device: a burst of 300 calls, then 600 a minute (one call
    /// carries a whole fan-out). Bounds how fast one device can fill other devices' mailboxes.
    public var sendRate = RateLimit(capacity: 300, refillPerMinute: 600)
    /// One-time prekeys handed out per *target* device, whoever claims: a burst of 20, then 6 a
    /// minute (`--claim-target-burst`, `--claim-target-per-minute`). One token covers one bundle's
    /// one-time prekey and one-time PQ prekey together; past the budget the bundle carries neither
    /// and gets the last-resort PQ prekey, so one-time PQ prekeys drain no faster than one-time ones. The per-caller limit above
    /// does not stop many fresh accounts; this does. Past it a claim still gets the bundle, without
    /// a one-time prekey (X3DH without OPK, as when the stock is empty), so a flood cannot make a
    /// user unreachable, and a stock of 100 lasts over 13 minutes of flooding instead of seconds.
    /// Far above how many new contacts a person gains a minute.
    public var claimTargetRate = RateLimit(capacity: 20, refillPerMinute: 6)
    /// `GET /v1/users/{user}/devices` per calling device: a burst of 60, then 60 a minute
    /// (`--lookup-burst`, `--lookup-per-minute`). Clients cache device lists, so this is far above
    /// normal use; it bounds how fast one device can test which user ids exist.
    public var lookupRate = RateLimit(capacity: 60, refillPerMinute: 60)
    /// Registrations (`POST /v1/accounts`, `POST /v1/devices` signed by the new device itself) per
    /// client address: a burst of 20, then 10 a minute (`--registration-burst`,
    /// `--registration-per-minute`). These are the routes anyone can call without an account; the
    /// address is the TCP peer's (IPv6: its /64), or the one a trusted proxy appends to
    /// `X-Forwarded-For` (``KeyServerConfiguration/trustedProxies``).
    public var registrationRate = RateLimit(capacity: 20, refillPerMinute: 10)
    /// Failed authentications (`401`: a bad or missing signature, an unknown device, a stale or
    /// replayed request) per client address: a burst of 100, then 60 a minute
    /// (`--auth-failure-burst`, `--auth-failure-per-minute`). Past it, every request from that
    /// address gets `429` before its body is read or a signature checked, so a flood of forged
    /// requests cannot make the server verify signatures without bound. Genuine clients fail
    /// authentication only with a wrong clock or a retried request.
    public var authenticationFailureRate = RateLimit(capacity: 100, refillPerMinute: 60)

    /// Bytes of one attachment: 101 MiB, so that a 100 MiB file fits with its encryption overhead
    /// (a 24-byte header and 17 bytes per 64 KiB chunk: 27,224 bytes for 100 MiB). Streamed to
    /// disk, so this bounds disk use per upload, not memory.
    public var maxAttachmentBytes = 101 * 1024 * 1024
    /// How long an attachment is kept after upload, in milliseconds: 30 days, like messages (the
    /// message that names it expires then too).
    public var attachmentTTLMilliseconds: Int64 = 30 * 24 * 3600 * 1000
    /// Attachment bytes one device may upload per day: 1 GiB as a burst, regained evenly over a
    /// day (`--attachment-bytes-per-day`, `PARLEY_ATTACHMENT_BYTES_PER_DAY`). Ten 100 MiB videos a
    /// day; with the 30-day TTL one device holds at most about 31 GiB of the disk.
    public var attachmentBytesPerDay: Int64 = 1 << 30
    /// Uploads in progress at once, all devices together: 32 (`--max-concurrent-uploads`). Each
    /// holds a connection, a part file and a file writer; past it uploads get `429` at once.
    public var maxConcurrentUploads = 32
    /// Uploads in progress at once per device: 2 (`--max-concurrent-uploads-per-device`).
    public var maxConcurrentUploadsPerDevice = 2
    /// Slowest accepted upload, in bytes per second averaged since its start, checked once
    /// ``uploadGraceMilliseconds`` passed: 8 KiB/s (`--min-upload-rate`). A client that trickles
    /// a body to hold a connection and a part file gets `408 upload_too_slow`; 100 MiB still has
    /// over three hours at that rate.
    public var minUploadBytesPerSecond = 8 * 1024
    /// Time an upload may take before ``minUploadBytesPerSecond`` applies: 30 s
    /// (`--upload-grace-seconds`).
    public var uploadGraceMilliseconds: Int64 = 30_000

    /// Timeouts and caps on connections and push streams.
    public var connections = ConnectionLimits()

    /// The defaults above.
    public init() {}
}
