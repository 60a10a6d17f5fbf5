package dev.ballast.gateway.server;

import dev.ballast.gateway.testing.GatewayClient;
import dev.ballast.gateway.testing.RawConnection;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The traffic listener on its own, with a stand-in handler: port sharing across event loops, the client connection
 * cap, and the graceful drain on shutdown.
 */
class TrafficServerTest {

    private Vertx vertx;
    private Vertx clients;
    private TrafficServer server;
    /** Requests the stand-in handler holds open until a test answers them. */
    private final List<HttpServerRequest> held = new CopyOnWriteArrayList<>();
    private final Set<String> threads = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void vertx() {
        vertx = Vertx.vertx();
        clients = Vertx.vertx();
    }

    @AfterEach
    void close() {
        if (server != null) {
            GatewayClient.await(server.close());
        }
        GatewayClient.await(clients.close());
        GatewayClient.await(vertx.close());
    }

    private int start(int maxConnections, long shutdownTimeoutMillis, int instances) {
        TrafficServerOptions options = new TrafficServerOptions("127.0.0.1", 0, 8192, 60_000, maxConnections,
                shutdownTimeoutMillis, vertx.isNativeTransportEnabled());
        server = new TrafficServer(vertx, options, request -> {
            threads.add(Thread.currentThread().getName());
            if (request.path().equals("/hold")) {
                held.add(request);
            } else {
                request.response().end("ok");
            }
        }, instances);
        return GatewayClient.await(server.start());
    }

    @Test
    @DisplayName("with port 0 every event loop listens on the one port that was picked")
    void eventLoopsShareOnePort() {
        int port = start(100, 1_000, 2);
        HttpClient http = clients.createHttpClient(new HttpClientOptions().setKeepAlive(false));

        for (int i = 0; i < 8; i++) {
            assertThat(GatewayClient.await(http.request(HttpMethod.GET, port, "127.0.0.1", "/")
                    .compose(r -> r.send()).compose(HttpClientResponse::body)).toString()).isEqualTo("ok");
        }

        assertThat(port).isPositive();
        assertThat(server.port()).isEqualTo(port);
        assertThat(threads).as("connections are spread over both event loops").hasSize(2);
    }

    @Test
    @DisplayName("a connection beyond max-connections is closed on arrival and counted; open ones keep working")
    void connectionCap() throws Exception {
        int port = start(2, 1_000, 2);
        RawConnection first = RawConnection.open(clients, port);
        RawConnection second = RawConnection.open(clients, port);
        await().until(() -> server.openConnections() == 2);

        RawConnection third = RawConnection.open(clients, port);

        third.awaitClosed();
        assertThat(server.refusedConnections()).isEqualTo(1);
        assertThat(server.openConnections()).isEqualTo(2);
        first.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        first.awaitText("ok");
        assertThat(first.text()).startsWith("HTTP/1.1 200");

        second.close();
        await().until(() -> server.openConnections() == 1);
        RawConnection fourth = RawConnection.open(clients, port);
        await().until(() -> server.openConnections() == 2);
        assertThat(fourth.isClosed()).isFalse();
        assertThat(server.refusedConnections()).isEqualTo(1);
    }

    @Test
    @DisplayName("shutdown refuses new connections, answers requests on open ones with Connection: close, lets "
            + "in-flight ones finish, then closes")
    void gracefulShutdown() throws Exception {
        int port = start(100, 10_000, 2);
        HttpClient http = clients.createHttpClient();
        var inFlight = http.request(HttpMethod.GET, port, "127.0.0.1", "/hold").compose(r -> r.send())
                .compose(response -> response.body().map(Object::toString));
        RawConnection idle = RawConnection.open(clients, port);
        await().until(() -> held.size() == 1 && server.openConnections() == 2);

        var drained = server.shutdown(held::size);

        RawConnection late = RawConnection.open(clients, port);
        late.awaitClosed();
        idle.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        idle.awaitText("ok");
        assertThat(idle.text()).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close");
        assertThat(drained.isComplete()).as("still waiting for the held request").isFalse();
        held.remove(0).response().end("finished");
        assertThat(GatewayClient.await(inFlight)).isEqualTo("finished");
        GatewayClient.await(drained);
        // The listening socket closes with the listeners, which may finish just after the drain completed.
        await().atMost(Duration.ofSeconds(10)).until(() -> GatewayClient.await(clients.createNetClient()
                .connect(port, "127.0.0.1").map(s -> "connected").otherwise("refused")).equals("refused"));
    }

    @Test
    @DisplayName("a request still running when the shutdown timeout passes has its connection closed")
    void shutdownTimeout() throws Exception {
        int port = start(100, 200, 1);
        RawConnection connection = RawConnection.open(clients, port);
        connection.write("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
        await().until(() -> held.size() == 1);

        GatewayClient.await(server.shutdown(held::size));

        connection.awaitClosed();
        HttpServerResponse unfinished = held.get(0).response();
        await().until(unfinished::closed);
        assertThat(unfinished.ended()).isFalse();
    }
}
