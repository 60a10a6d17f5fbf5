package dev.ballast.gateway.testing;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A plain TCP connection to the gateway, for exchanges an HTTP client would smooth over (100 Continue, an answer
 * before the upload is over, a connection closed on arrival). Handlers are set as the connection opens, so even a
 * close that comes at once is seen: the connect is started on an event loop, so the socket lives on that loop and
 * its handlers are in place before the loop can process the socket's first event (connecting from the test thread
 * let a close that raced the connect completion go unseen).
 */
public final class RawConnection {

    private final NetSocket socket;
    private final StringBuffer received = new StringBuffer();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    private RawConnection(NetSocket socket) {
        this.socket = socket;
        socket.handler(buffer -> received.append(buffer.toString()));
        socket.closeHandler(v -> closed.complete(null));
    }

    public static RawConnection open(Vertx vertx, int port) {
        Promise<RawConnection> opened = Promise.promise();
        Context loop = vertx.getOrCreateContext();
        loop.runOnContext(v -> vertx.createNetClient().connect(port, "127.0.0.1").map(RawConnection::new)
                .onComplete(opened));
        return GatewayClient.await(opened.future());
    }

    public void write(String text) {
        write(Buffer.buffer(text));
    }

    public void write(Buffer data) {
        socket.write(data);
    }

    /** Everything received so far, as text. */
    public String text() {
        return received.toString();
    }

    public void awaitText(String expected) {
        await().until(() -> received.indexOf(expected) >= 0);
    }

    public void awaitClosed() throws Exception {
        closed.get(10, TimeUnit.SECONDS);
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    public void close() {
        socket.close();
    }
}
