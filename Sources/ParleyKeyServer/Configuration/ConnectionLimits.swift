/// Limits on connections and push streams (Specs/server-api.md §4.3), each with the reason for
/// its default. Times are in seconds so that flags read naturally and tests can set them short.
public struct ConnectionLimits: Sendable, Equatable {
    /// Seconds a connection may go without reading or writing a byte before it is closed: 60
    /// (`--idle-timeout`, `PARLEY_IDLE_TIMEOUT`). Ends idle keep-alive sockets, stalled bodies and
    /// sockets that never send a request, so that file descriptors are not held for nothing. A
    /// stream's pings (every ``streamPingSeconds``) keep a healthy stream busy.
    public var idleTimeoutSeconds = 60
    /// Seconds from the first byte of a connection's first request until its headers are
    /// complete: 10 (`--request-head-timeout`, `PARLEY_REQUEST_HEAD_TIMEOUT`). Headers trickled a
    /// byte at a time (never idle) still end then, with `408`.
    public var requestHeadTimeoutSeconds = 10
    /// Open connections per client IP address: 64 (`--connections-per-address`,
    /// `PARLEY_CONNECTIONS_PER_ADDRESS`). Beyond it a new connection is closed at once, so one
    /// address cannot take every file descriptor. Behind a reverse proxy every connection comes
    /// from the proxy's address: raise it there and let the proxy limit clients.
    public var connectionsPerAddress = 64
    /// Open `GET /v1/stream` sockets per device (per server process): 4 (`--streams-per-device`,
    /// `PARLEY_STREAMS_PER_DEVICE`); `429 too_many_streams` beyond. A device needs one; a few
    /// more cover a reconnect that overlaps the old socket.
    public var streamsPerDevice = 4
    /// Bytes of envelopes waiting to be written to one stream: 4 MiB (`--stream-buffer-bytes`,
    /// `PARLEY_STREAM_BUFFER_BYTES`). A stream past it is closed and its buffer dropped; nothing
    /// is lost (envelopes stay in the mailbox until acknowledged), the client fetches over HTTP.
    public var streamBufferBytes = 4 * 1024 * 1024
    /// Seconds one frame may take to be written to a stream: 30 (`--stream-write-timeout`,
    /// `PARLEY_STREAM_WRITE_TIMEOUT`). A client that stops reading is disconnected then.
    public var streamWriteTimeoutSeconds = 30
    /// Seconds between pings on a stream: 30 (`--stream-ping-interval`,
    /// `PARLEY_STREAM_PING_INTERVAL`); a stream that has not answered a ping by the next one is
    /// closed.
    public var streamPingSeconds = 30

    /// The defaults above.
    public init() {}
}
