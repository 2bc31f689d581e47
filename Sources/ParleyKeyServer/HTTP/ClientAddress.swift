import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Whom a per-address limit counts: the client's IP address, IPv6 cut to its /64 (one host's
/// share of a network; a host can pick any address in its /64 at will).
///
/// The address is the TCP peer's, unless the peer is a trusted reverse proxy: then it is the last
/// address of the last `X-Forwarded-For` header, the one that proxy appended (earlier entries are
/// the client's to choose). A header that does not parse leaves the proxy's own address.
struct ClientAddress: Hashable, Sendable {
    /// The address's canonical text (IPv4 dotted, IPv6 /64 as `prefix::/64`), or `unknown`.
    let text: String

    /// The longest `X-Forwarded-For` entry looked at: an IPv6 literal with a zone is under 64.
    static let maximumEntryLength = 64

    /// The client address of a request.
    /// - Parameters:
    ///   - peer: the TCP peer (nil without a socket: in-process tests share one address).
    ///   - headers: the request's headers.
    ///   - trustedProxies: peer addresses whose `X-Forwarded-For` is believed.
    init(peer: SocketAddress?, headers: HTTPFields, trustedProxies: Set<String>) {
        guard let peer, let peerText = peer.ipAddress else {
            text = "unknown"
            return
        }
        if trustedProxies.contains(peerText), let forwarded = Self.lastForwarded(headers),
            let parsed = try? SocketAddress(ipAddress: forwarded, port: 0)
        {
            text = Self.key(parsed) ?? peerText
        } else {
            text = Self.key(peer) ?? peerText
        }
    }

    /// The last entry of the last `X-Forwarded-For` header, trimmed; nil when absent or too long.
    private static func lastForwarded(_ headers: HTTPFields) -> String? {
        guard let name = HTTPField.Name("X-Forwarded-For"), let value = headers[values: name].last,
            let entry = value.split(separator: ",", omittingEmptySubsequences: false).last
        else { return nil }
        let trimmed = entry.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.utf8.count <= maximumEntryLength else { return nil }
        return trimmed
    }

    /// IPv4: the address; IPv6: its first 64 bits (an IPv4-mapped address: the IPv4 address).
    private static func key(_ address: SocketAddress) -> String? {
        switch address {
        case .v4:
            return address.ipAddress
        case .v6(let v6):
            var raw = v6.address.sin6_addr
            let bytes = withUnsafeBytes(of: &raw) { Array($0) }
            guard bytes.count == 16 else { return nil }
            // An IPv4 client of a dual-stack listener (::ffff:a.b.c.d) is counted as IPv4.
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
                return bytes[12..<16].map(String.init).joined(separator: ".")
            }
            let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            return groups.joined(separator: ":") + "::/64"
        default:
            return nil
        }
    }
}
