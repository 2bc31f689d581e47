import NIOCore

/// First in every connection's pipeline: closes a connection at once when its client address
/// already holds ``ConnectionTable/limitPerAddress`` connections, before a byte is read.
/// Decided when the connection becomes active (after the pipeline is set up: closing during the
/// setup would fail it, and a failed setup ends the server's accept loop).
final class ConnectionAdmissionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let table: ConnectionTable
    private var admitted: String?

    init(table: ConnectionTable) {
        self.table = table
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        releaseSlot()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        releaseSlot()
    }

    private func admit(context: ChannelHandlerContext) {
        guard admitted == nil else { return }
        // A connection without an IP address (a Unix socket) is not counted.
        guard let address = context.channel.remoteAddress?.ipAddress else { return }
        if table.admit(address) {
            admitted = address
        } else {
            context.close(promise: nil)
        }
    }

    private func releaseSlot() {
        if let address = admitted { table.release(address) }
        admitted = nil
    }
}
