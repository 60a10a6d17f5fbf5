package dev.ballast.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The proxy path's own upstream client against a real HTTP server on loopback: reuse, caps and the wait queue, the
 * acquisition deadline, keep-alive expiry, Connection: close, response timeouts, refused connections.
 */
@DisplayName("upstream connections: keep-alive pool per event loop")
class UpstreamConnectionsTest {

    private static final long WAIT = 10;

    private Vertx vertx;
    private ContextInternal context;
    private HttpServer server;
    private int port;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger closedConnections = new AtomicInteger();
    private final ConcurrentLinkedQueue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        context = (ContextInternal) vertx.getOrCreateContext();
        server = vertx.createHttpServer()
                .connectionHandler(c -> {
                    connections.incrementAndGet();
                    c.closeHandler(v -> closedConnections.incrementAndGet());
                })
                .requestHandler(request -> {
                    switch (request.path()) {
                        case "/hold" -> held.add(request); // answered by the test
                        case "/close" -> request.response().putHeader("connection", "close").end("bye");
                        case "/stall" -> request.response().putHeader("content-length", "10").write("ab");
                        case "/slow-body" -> {
                            // the rest well after the 1 s response timeout of the test that asks for it
                            request.response().putHeader("content-length", "4").write("ab");
                            vertx.setTimer(2_500, t -> request.response().end("cd"));
                        }
                        default -> request.response().end("ok " + request.path());
                    }
                })
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(WAIT, TimeUnit.SECONDS);
        port = server.actualPort();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(WAIT, TimeUnit.SECONDS);
    }

    private UpstreamConnections pool(int maxConnections, int maxPending, long keepAliveMillis) {
        return pool(maxConnections, maxPending, keepAliveMillis, 0);
    }

    private UpstreamConnections pool(int maxConnections, int maxPending, long keepAliveMillis, long idleMillis) {
        return onLoop(() -> new UpstreamConnections((VertxInternal) vertx, context.nettyEventLoop(), "test",
                maxConnections, maxPending, keepAliveMillis, idleMillis, null, null));
    }

    private <T> T onLoop(Supplier<T> action) {
        CompletableFuture<T> result = new CompletableFuture<>();
        context.nettyEventLoop().execute(() -> result.complete(action.get()));
        return result.join();
    }

    /** What one acquisition and, when it got a connection, one GET on it came to. */
    private static final class Exchange implements UpstreamConnection.Listener {
        final CompletableFuture<UpstreamConnection> connection = new CompletableFuture<>();
        final CompletableFuture<String> body = new CompletableFuture<>();
        final StringBuffer data = new StringBuffer(); // appended on the event loop, read by the test thread
        volatile int status;

        @Override
        public void onHead(UpstreamResponseHead head) {
            status = head.status();
        }

        @Override
        public void onData(Buffer chunk) {
            data.append(chunk.toString());
        }

        @Override
        public void onEnd(Buffer last) {
            if (last != null) {
                data.append(last.toString());
            }
            body.complete(data.toString());
        }

        @Override
        public void onFailure(Throwable cause) {
            body.completeExceptionally(cause);
        }
    }

    /** Acquires a connection to the test server and, once it has one, sends GET {@code path} on it. */
    private Exchange get(UpstreamConnections pool, String path, long connectMillis, long responseTimeoutMillis) {
        return get(pool, path, connectMillis, responseTimeoutMillis, false);
    }

    /** As above; {@code fresh}: on a new connection (the retry after a stale keep-alive connection). */
    private Exchange get(UpstreamConnections pool, String path, long connectMillis, long responseTimeoutMillis,
            boolean fresh) {
        Exchange exchange = new Exchange();
        context.nettyEventLoop().execute(() -> pool.acquire("origin", "127.0.0.1", port, connectMillis, fresh,
                (connection, failure) -> {
                    if (failure != null) {
                        exchange.connection.completeExceptionally(failure);
                        exchange.body.completeExceptionally(failure);
                        return;
                    }
                    exchange.connection.complete(connection);
                    UpstreamConnection.Call call = connection.begin(exchange);
                    DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                            path);
                    request.headers().set("host", "127.0.0.1:" + port);
                    call.request(request, null);
                    call.timeout(responseTimeoutMillis);
                }));
        return exchange;
    }

    /** A GET the server holds unanswered (until the test ends it), so its connection stays in use. */
    private Exchange holdOne(UpstreamConnections pool) {
        Exchange holding = get(pool, "/hold", 5_000, 0);
        await().atMost(Duration.ofSeconds(WAIT)).until(() -> !held.isEmpty());
        return holding;
    }

    private static String body(Exchange exchange) throws Exception {
        return exchange.body.get(WAIT, TimeUnit.SECONDS);
    }

    private static Throwable failure(CompletableFuture<?> future) {
        return org.assertj.core.api.Assertions.catchThrowable(() -> future.get(WAIT, TimeUnit.SECONDS)).getCause();
    }

    @Test
    @DisplayName("requests one after another share one keep-alive connection")
    void sequentialRequestsReuseOneConnection() throws Exception {
        UpstreamConnections pool = pool(4, 0, 60_000);

        Exchange first = get(pool, "/a", 5_000, 0);
        assertThat(body(first)).isEqualTo("ok /a");
        Exchange second = get(pool, "/b", 5_000, 0);
        assertThat(body(second)).isEqualTo("ok /b");

        assertThat(second.connection.get()).isSameAs(first.connection.get());
        assertThat(connections.get()).isEqualTo(1);
        assertThat(onLoop(() -> pool.open("origin"))).isEqualTo(1);
    }

    @Test
    @DisplayName("a response with Connection: close is not reused: the next request opens a new connection")
    void connectionCloseIsNotReused() throws Exception {
        UpstreamConnections pool = pool(4, 0, 60_000);

        assertThat(body(get(pool, "/close", 5_000, 0))).isEqualTo("bye");
        assertThat(body(get(pool, "/after", 5_000, 0))).isEqualTo("ok /after");

        assertThat(connections.get()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(WAIT)).until(() -> onLoop(() -> pool.open("origin")) == 1);
    }

    @Test
    @DisplayName("at the cap, requests wait in a bounded queue: the next one is refused at once, a waiting one gets "
            + "the connection when the call before it ends")
    void capAndWaitQueue() throws Exception {
        UpstreamConnections pool = pool(1, 1, 60_000);
        Exchange holding = holdOne(pool);

        Exchange waiting = get(pool, "/queued", 5_000, 0);
        Exchange refused = get(pool, "/refused", 5_000, 0);

        assertThat(failure(refused.connection)).isInstanceOf(UpstreamConnections.PoolBusyException.class);
        assertThat(waiting.connection).isNotDone();
        held.poll().response().end("released");
        assertThat(body(holding)).isEqualTo("released");
        assertThat(body(waiting)).isEqualTo("ok /queued");
        assertThat(waiting.connection.get()).isSameAs(holding.connection.get());
        assertThat(connections.get()).isEqualTo(1);
    }

    @ParameterizedTest(name = "max-connections {0}, max-pending 0")
    @ValueSource(ints = {4, 1})
    @DisplayName("a fresh acquisition does not take an idle pooled connection: it opens a new one and the idle one "
            + "closes; at the cap it gets the slot of the idle connection it closes, even with no wait queue")
    void freshAcquisitionOpensANewConnection(int maxConnections) throws Exception {
        UpstreamConnections pool = pool(maxConnections, 0, 60_000);
        Exchange first = get(pool, "/a", 5_000, 0);
        assertThat(body(first)).isEqualTo("ok /a"); // its connection is idle now

        Exchange fresh = get(pool, "/fresh", 5_000, 0, true);

        assertThat(body(fresh)).isEqualTo("ok /fresh");
        assertThat(fresh.connection.get()).isNotSameAs(first.connection.get());
        assertThat(connections.get()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(WAIT)).until(() -> closedConnections.get() == 1);
        assertThat(onLoop(() -> pool.open("origin"))).isEqualTo(1);
    }

    @Test
    @DisplayName("a fresh acquisition waiting at the cap is not handed the connection a call gives back: that one "
            + "closes and a new one opens for it")
    void freshAcquisitionAtTheCapWaitsForASlotNotAConnection() throws Exception {
        UpstreamConnections pool = pool(1, 4, 60_000);
        Exchange holding = holdOne(pool);

        Exchange fresh = get(pool, "/fresh", 5_000, 0, true);
        Exchange after = get(pool, "/after", 5_000, 0);

        assertThat(fresh.connection).isNotDone();
        held.poll().response().end("released");
        assertThat(body(holding)).isEqualTo("released");
        assertThat(body(fresh)).isEqualTo("ok /fresh");
        assertThat(fresh.connection.get()).isNotSameAs(holding.connection.get());
        // the plain acquisition behind it reuses the new connection, as any other would
        assertThat(body(after)).isEqualTo("ok /after");
        assertThat(after.connection.get()).isSameAs(fresh.connection.get());
        assertThat(connections.get()).isEqualTo(2);
    }

    @Test
    @DisplayName("a queued acquisition can be withdrawn: it never gets a connection and the next in line does; one "
            + "already connecting cannot be")
    void withdrawingAQueuedAcquisition() throws Exception {
        UpstreamConnections pool = pool(1, 4, 60_000);
        Exchange holding = holdOne(pool);
        CompletableFuture<UpstreamConnection> withdrawn = new CompletableFuture<>();
        // Queued and withdrawn in one event-loop task, so its 200 ms deadline cannot come first.
        List<Boolean> withdrawals = onLoop(() -> {
            UpstreamConnections.Pending queued = pool.acquire("origin", "127.0.0.1", port, 200,
                    (connection, failure) -> withdrawn.complete(connection));
            return List.of(queued.withdraw(), queued.withdraw());
        });
        Exchange next = get(pool, "/next", 5_000, 0);

        assertThat(withdrawals).as("withdrawn while queued, then a second time").containsExactly(true, false);
        held.poll().response().end("released");
        assertThat(body(holding)).isEqualTo("released");
        assertThat(body(next)).isEqualTo("ok /next");
        assertThat(next.connection.get()).isSameAs(holding.connection.get());
        // not even when its 200 ms deadline would have passed
        await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(WAIT)).until(() -> !withdrawn.isDone());

        // Connecting (the attempt starts inside acquire; its outcome arrives in a later task): not withdrawn.
        UpstreamConnections other = pool(1, 4, 60_000);
        CompletableFuture<UpstreamConnection> connected = new CompletableFuture<>();
        boolean withdrawnWhileConnecting = onLoop(() -> other.acquire("origin", "127.0.0.1", port, 5_000,
                (connection, failure) -> connected.complete(connection)).withdraw());
        assertThat(withdrawnWhileConnecting).isFalse();
        assertThat(connected.get(WAIT, TimeUnit.SECONDS)).isNotNull();
    }

    @Test
    @DisplayName("an acquisition still queued when its connect timeout passes fails as the pool being busy, not as a "
            + "connect timeout: the endpoint was never asked")
    void queuedAcquisitionTimesOut() throws Exception {
        UpstreamConnections pool = pool(1, 4, 60_000);
        Exchange holding = holdOne(pool);

        Exchange waiting = get(pool, "/queued", 200, 0);

        assertThat(failure(waiting.connection)).isInstanceOf(UpstreamConnections.QueueTimeoutException.class)
                .isInstanceOf(UpstreamConnections.PoolBusyException.class)
                .isNotInstanceOf(TimeoutException.class);
        held.poll().response().end("released");
        assertThat(body(holding)).isEqualTo("released");
    }

    @Test
    @DisplayName("a refused connection fails the acquisition (not as a timeout) and gives its slot back")
    void refusedConnection() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        UpstreamConnections pool = pool(1, 0, 60_000);
        CompletableFuture<Throwable> failed = new CompletableFuture<>();
        context.nettyEventLoop().execute(() -> pool.acquire("gone", "127.0.0.1", closedPort, 5_000,
                (connection, failure) -> failed.complete(failure)));

        assertThat(failed.get(WAIT, TimeUnit.SECONDS)).isInstanceOf(java.net.ConnectException.class);
        assertThat(onLoop(() -> pool.open("gone"))).isZero();
    }

    @Test
    @DisplayName("idle connections are closed after the keep-alive timeout; a keep-alive timeout of 0 closes each "
            + "connection after its request")
    void keepAliveTimeout() throws Exception {
        UpstreamConnections expiring = pool(4, 0, 100);
        assertThat(body(get(expiring, "/a", 5_000, 0))).isEqualTo("ok /a");
        await().atMost(Duration.ofSeconds(WAIT)).until(() -> closedConnections.get() == 1);
        assertThat(onLoop(() -> expiring.open("origin"))).isZero();

        UpstreamConnections none = pool(4, 0, 0);
        assertThat(body(get(none, "/b", 5_000, 0))).isEqualTo("ok /b");
        assertThat(body(get(none, "/c", 5_000, 0))).isEqualTo("ok /c");
        assertThat(connections.get()).isEqualTo(3);
    }

    @Test
    @DisplayName("the connection idle timeout fails a call whose body stalls, and leaves pooled connections alone")
    void connectionIdleTimeout() throws Exception {
        // 1 s: the calls that answer must not meet it on a loaded machine (a sweep is a quarter of it).
        UpstreamConnections pool = pool(4, 0, 60_000, 1_000);

        Exchange stalled = get(pool, "/stall", 5_000, 0);

        assertThat(failure(stalled.body)).isInstanceOf(TimeoutException.class);
        assertThat(stalled.data.toString()).isEqualTo("ab");
        Exchange ok = get(pool, "/a", 5_000, 0);
        assertThat(body(ok)).isEqualTo("ok /a");
        assertThat(ok.connection.get()).isNotSameAs(stalled.connection.get());
        long after = onLoop(pool::sweeps);
        // Three idle timeouts' worth of sweeps later (3 s), the connection that went back to the pool is still there.
        await().atMost(Duration.ofSeconds(WAIT)).until(() -> onLoop(pool::sweeps) > after + 12);
        Exchange again = get(pool, "/b", 5_000, 0);
        assertThat(body(again)).isEqualTo("ok /b");
        assertThat(again.connection.get()).isSameAs(ok.connection.get());
    }

    @Test
    @DisplayName("a closed pool (its upstream was reconfigured) refuses new acquisitions, and a call still running on "
            + "it keeps its idle timeout")
    void closedPool() throws Exception {
        UpstreamConnections pool = pool(4, 0, 60_000, 200);
        Exchange stalled = get(pool, "/stall", 5_000, 0);
        await().atMost(Duration.ofSeconds(WAIT)).until(() -> stalled.data.length() == 2);

        onLoop(() -> {
            pool.close();
            return null;
        });
        Exchange refused = get(pool, "/late", 5_000, 0);

        assertThat(failure(refused.connection)).isInstanceOf(UpstreamConnections.PoolBusyException.class);
        assertThat(failure(stalled.body)).isInstanceOf(TimeoutException.class);
        await().atMost(Duration.ofSeconds(WAIT)).until(() -> closedConnections.get() == 1);
    }

    @Test
    @DisplayName("the response timeout ends with the head: a body slower than it still arrives")
    void responseTimeoutEndsWithTheHead() throws Exception {
        UpstreamConnections pool = pool(4, 0, 60_000);

        assertThat(body(get(pool, "/slow-body", 5_000, 1_000))).isEqualTo("abcd");
    }

    @Test
    @DisplayName("a connection given back unused (its exchange ended while waiting) stays open and is reused")
    void unusedConnectionIsReused() throws Exception {
        UpstreamConnections pool = pool(4, 0, 60_000);
        CompletableFuture<UpstreamConnection> acquired = new CompletableFuture<>();
        context.nettyEventLoop().execute(() -> pool.acquire("origin", "127.0.0.1", port, 5_000,
                (connection, failure) -> {
                    connection.unused();
                    acquired.complete(connection);
                }));
        UpstreamConnection first = acquired.get(WAIT, TimeUnit.SECONDS);

        Exchange next = get(pool, "/a", 5_000, 0);

        assertThat(body(next)).isEqualTo("ok /a");
        assertThat(next.connection.get()).isSameAs(first);
        assertThat(connections.get()).isEqualTo(1);
    }

    @Test
    @DisplayName("a call whose response does not start within its timeout fails with a timeout and its connection "
            + "is closed, never reused")
    void responseTimeout() throws Exception {
        UpstreamConnections pool = pool(4, 0, 60_000);

        Exchange slow = get(pool, "/hold", 5_000, 200);

        assertThat(failure(slow.body)).isInstanceOf(TimeoutException.class);
        await().atMost(Duration.ofSeconds(WAIT)).until(() -> closedConnections.get() == 1);
        assertThat(body(get(pool, "/next", 5_000, 0))).isEqualTo("ok /next");
        assertThat(connections.get()).isEqualTo(2);
        List.copyOf(held).forEach(request -> request.response().end());
    }
}
