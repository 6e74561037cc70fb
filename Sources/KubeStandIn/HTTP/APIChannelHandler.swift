import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import X509

/// One HTTPS connection: collects each request, hands it to the API core, writes the answer or
/// streams a watch as chunked JSON lines.
final class APIChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let core: APIServerCore
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var context: ChannelHandlerContext?
    private var activeWatch: (id: Int, keepAlive: Bool, timeout: Scheduled<Void>?)?

    init(core: APIServerCore) {
        self.core = core
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopWatch()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopWatch()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = nil
        case .body(var chunk):
            if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, body: body, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        core.logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    private func respond(to head: HTTPRequestHead, body: ByteBuffer?, context: ChannelHandlerContext) {
        var request = APIRequest(method: head.method.rawValue, target: head.uri)
        request.contentType = head.headers.first(name: "content-type") ?? "application/json"
        request.authorization = head.headers.first(name: "authorization")
        request.accept = head.headers.first(name: "accept")
        request.body = body.map { Array($0.readableBytesView) } ?? []
        request.certificate = peerIdentity(context: context)
        let response = core.handle(request)
        core.logger.debug("request", metadata: ["method": "\(head.method)", "uri": "\(head.uri)"])
        switch response {
        case .json(let status, let json):
            write(status: status, contentType: "application/json", body: json.serialized(), head: head, context: context)
        case .text(let status, let text, let contentType):
            write(status: status, contentType: contentType, body: Data(text.utf8), head: head, context: context)
        case .watch(let watch):
            startWatch(watch, head: head, context: context)
        }
    }

    /// The verified client certificate's subject (NIOSSL already checked it chains to the cluster CA).
    private func peerIdentity(context: ChannelHandlerContext) -> CertificateIdentity? {
        guard let handler = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self),
            let peer = handler.peerCertificate, let der = try? peer.toDERBytes(),
            let certificate = try? Certificate(derEncoded: der), core.authority.signed(certificate)
        else { return nil }
        return CertificateIdentity(certificate.subject)
    }

    private func write(status: Int, contentType: String, body: Data, head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Cache-Control", value: "no-cache, private")
        let responseHead = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: status), headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let keepAlive = head.isKeepAlive
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }

    private func startWatch(_ watch: WatchRequest, head: HTTPRequestHead, context: ChannelHandlerContext) {
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let subscription = WatchSubscription(
            type: watch.type, namespace: watch.namespace, labels: watch.labels, fields: watch.fields,
            deliver: { kind, object in
                let line = JSON.object(["type": .string(kind.rawValue), "object": object]).serialized() + Data("\n".utf8)
                eventLoop.execute { bound.value.writeWatchLine(line) }
            })
        // Head first: replayed events are queued on this loop by `watch` and run after this returns.
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Cache-Control", value: "no-cache, private")
        let id: Int
        do throws(APIError) {
            id = try core.store.watch(subscription, since: watch.since)
        } catch {
            write(status: error.code, contentType: "application/json", body: error.status().serialized(), head: head, context: context)
            return
        }
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
        var timeout: Scheduled<Void>? = nil
        if let seconds = watch.timeoutSeconds, seconds > 0 {
            timeout = eventLoop.scheduleTask(in: .seconds(Int64(seconds))) { bound.value.finishWatch() }
        }
        activeWatch = (id, head.isKeepAlive, timeout)
    }

    private func writeWatchLine(_ line: Data) {
        guard activeWatch != nil, let context else { return }
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: line)))), promise: nil)
    }

    /// Ends the chunked response (watch timeout).
    private func finishWatch() {
        guard let watch = activeWatch, let context else { return }
        stopWatch()
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in
            if !watch.keepAlive { channel.close(promise: nil) }
        }
    }

    private func stopWatch() {
        guard let watch = activeWatch else { return }
        activeWatch = nil
        watch.timeout?.cancel()
        core.store.stopWatch(watch.id)
    }
}
