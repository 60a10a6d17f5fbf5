package dev.ballast.gateway.testing;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.impl.ConnectionBase;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real Vert.x HTTP server on a loopback port standing in for an inference pod. By default it answers every
 * request with 200 and a JSON echo naming itself; tests swap the behaviour per scenario.
 */
public final class Origin {

    private final Vertx vertx;
    private final String name;
    private final int port;
    private final AtomicInteger hits = new AtomicInteger();
    private volatile HttpServer server;
    private volatile Handler<HttpServerRequest> behaviour;

    Origin(Vertx vertx, String name, int port) {
        this.vertx = vertx;
        this.name = name;
        this.port = port;
        this.behaviour = this::echo;
    }

    void start() {
        server = await(vertx.createHttpServer()
                .connectionHandler(Origin::offerPerMessageDeflate)
                .requestHandler(request -> {
                    // Upgrades are accepted here rather than in a webSocketHandler, which Vert.x skips whenever
                    // vertx.disableWebsockets is set (see offerPerMessageDeflate): one path whatever its value.
                    if ("websocket".equalsIgnoreCase(request.getHeader("upgrade"))) {
                        request.toWebSocket().onSuccess(this::echoWebSocket);
                        return;
                    }
                    hits.incrementAndGet();
                    behaviour.handle(request);
                })
                .listen(port, "127.0.0.1"));
    }

    /**
     * Makes the origin accept permessage-deflate like a Vert.x server with default options, whatever earlier tests
     * did to the JVM. Quarkus sets the system property vertx.disableWebsockets=true when it starts an application
     * without a WebSocket extension (the gateway only tunnels WebSockets), and Vert.x reads it once per class loader:
     * once a gateway test has run in this JVM, the origins of the next test class get no WebSocket extension handler
     * (no Sec-WebSocket-Extensions in their 101) while the same class run alone gets one. The handshake itself still
     * allows extensions (the options' default), so adding the handler Vert.x left out is enough.
     */
    private static void offerPerMessageDeflate(HttpConnection connection) {
        ChannelPipeline pipeline = ((ConnectionBase) connection).channel().pipeline();
        // "handler" is Vert.x's HTTP/1.x connection handler, the one Vert.x puts its extension handler in front of.
        if (pipeline.context("handler") != null && pipeline.get(WebSocketServerExtensionHandler.class) == null) {
            pipeline.addBefore("handler", "webSocketExtensionHandler",
                    new WebSocketServerExtensionHandler(new PerMessageDeflateServerExtensionHandshaker()));
        }
    }

    /** Stops accepting connections and closes open ones, like a pod that died. */
    public void kill() {
        HttpServer current = server;
        if (current != null) {
            await(current.close());
            server = null;
        }
    }

    public void revive() {
        if (server == null) {
            start();
        }
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public String address() {
        return "127.0.0.1:" + port;
    }

    public int hits() {
        return hits.get();
    }

    public Vertx vertx() {
        return vertx;
    }

    public Origin behave(Handler<HttpServerRequest> handler) {
        this.behaviour = handler;
        return this;
    }

    public void reset() {
        behaviour = this::echo;
        hits.set(0);
        revive();
    }

    /** 200 with a JSON echo of what arrived: origin name, method, uri, headers and body length. */
    public void echo(HttpServerRequest request) {
        request.body().onSuccess(body -> {
            JsonObject headers = new JsonObject();
            request.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
            JsonObject echo = new JsonObject()
                    .put("origin", name)
                    .put("method", request.method().name())
                    .put("uri", request.uri())
                    .put("headers", headers)
                    .put("bodyLength", body.length());
            request.response().putHeader("content-type", "application/json")
                    .putHeader("x-origin", name)
                    .putHeader("keep-alive", "timeout=5")
                    .end(echo.encode());
        });
    }

    private void echoWebSocket(ServerWebSocket socket) {
        hits.incrementAndGet();
        socket.textMessageHandler(text -> socket.writeTextMessage(name + ":" + text));
    }

    static <T> T await(io.vertx.core.Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Origin operation failed", e);
        }
    }
}
