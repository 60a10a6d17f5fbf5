package dev.ballast.gateway.proxy;

import dev.ballast.gateway.testing.GatewayClient;
import dev.ballast.gateway.testing.GatewayTestBase;
import dev.ballast.gateway.testing.GatewayClient.Reply;
import dev.ballast.gateway.testing.Origin;
import dev.ballast.gateway.testing.Origins;
import dev.ballast.gateway.testing.RawConnection;
import dev.ballast.lb.Endpoint;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

@QuarkusTest
@TestProfile(ProxyTest.Profile.class)
@QuarkusTestResource(value = Origins.class, restrictToAnnotatedClass = true)
class ProxyTest extends GatewayTestBase {

    /** The gateway's meters are registered here, not in Quarkus' composite (GatewayMetrics.direct). */

    @Inject
    PrometheusMeterRegistry meterRegistry;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = new HashMap<>();
            c.put("ballast.gateway.upstreams.pool.endpoints", "${test.origin.0},${test.origin.1},${test.origin.2}");
            c.put("ballast.gateway.upstreams.fragile.endpoints", "${test.origin.0},${test.origin.1},${test.origin.2}");
            c.put("ballast.gateway.upstreams.single.endpoints", "${test.origin.3}");
            c.put("ballast.gateway.routes.api.prefix", "/api");
            c.put("ballast.gateway.routes.api.upstream", "pool");
            c.put("ballast.gateway.routes.api.strip-prefix", "true");
            c.put("ballast.gateway.routes.models.prefix", "/api/v2");
            c.put("ballast.gateway.routes.models.upstream", "single");
            c.put("ballast.gateway.routes.small.prefix", "/small");
            c.put("ballast.gateway.routes.small.upstream", "single");
            c.put("ballast.gateway.routes.small.max-body-size", "1K");
            c.put("ballast.gateway.routes.slow.prefix", "/slow");
            c.put("ballast.gateway.routes.slow.upstream", "single");
            c.put("ballast.gateway.routes.slow.timeouts.response-headers", "300ms");
            c.put("ballast.gateway.routes.slow.timeouts.idle", "300ms");
            c.put("ballast.gateway.routes.slow.retries.max-tries", "1");
            // Slow's upstream and single try with the default timeouts, for the tests of what an answering upstream
            // sends: a short timer would race its answer on a loaded machine (slow is for the timeout itself).
            c.put("ballast.gateway.routes.once.prefix", "/once");
            c.put("ballast.gateway.routes.once.upstream", "single");
            c.put("ballast.gateway.routes.once.retries.max-tries", "1");
            c.put("ballast.gateway.routes.fragile.prefix", "/fragile");
            c.put("ballast.gateway.routes.fragile.upstream", "fragile");
            c.put("ballast.gateway.admin.token", "s3cret");
            // The loopback test client plays a trusted proxy here (StrategiesTest covers an untrusted peer).
            c.put("ballast.gateway.client-ip.trusted-proxies", "127.0.0.1");
            return c;
        }
    }








    private static JsonObject json(Reply reply) {
        return new JsonObject(reply.body());
    }

    @Test
    @DisplayName("the longest matching prefix wins and strip-prefix removes the prefix but keeps the query")
    void longestPrefixAndStrip() {
        Reply models = client.get("/api/v2/models?limit=3");
        Reply chat = client.get("/api/v1/chat?stream=true");

        assertThat(json(models).getString("origin")).isEqualTo("origin-3");
        assertThat(json(models).getString("uri")).isEqualTo("/api/v2/models?limit=3");
        assertThat(json(chat).getString("origin")).isIn("origin-0", "origin-1", "origin-2");
        assertThat(json(chat).getString("uri")).isEqualTo("/v1/chat?stream=true");
    }

    @Test
    @DisplayName("a path no route matches gets a JSON 404 problem, and no upstream sees it")
    void unknownPathIs404() {
        Reply reply = client.get("/q/metrics");

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.headers().get("content-type")).isEqualTo("application/problem+json");
        JsonObject problem = json(reply);
        assertThat(problem.getString("type")).endsWith("/no-route");
        assertThat(problem.getString("title")).isEqualTo("Not Found");
        assertThat(problem.getInteger("status")).isEqualTo(404);
        assertThat(problem.getString("detail")).contains("/q/metrics");
        assertThat(origins.all()).allSatisfy(o -> assertThat(o.hits()).isZero());
    }

    @Test
    @DisplayName("hop-by-hop headers are removed both ways, end-to-end headers pass")
    void hopByHopHeadersRemoved() {
        origins.get(3).behave(request -> request.response()
                .putHeader("keep-alive", "timeout=99")
                .putHeader("connection", "x-upstream-secret")
                .putHeader("x-upstream-secret", "hidden")
                .putHeader("x-model", "llama")
                .end("ok"));

        Reply reply = client.send(HttpMethod.GET, "/api/v2/x", Map.of(
                "Connection", "keep-alive, x-client-secret",
                "X-Client-Secret", "hidden",
                "Proxy-Authorization", "Basic abc",
                "TE", "trailers",
                "Authorization", "Bearer end-to-end"), null, false);

        assertThat(reply.headers().get("keep-alive")).isNull();
        assertThat(reply.headers().get("x-upstream-secret")).isNull();
        assertThat(reply.headers().get("x-model")).isEqualTo("llama");

        origins.get(3).reset();
        JsonObject seen = json(client.send(HttpMethod.GET, "/api/v2/x", Map.of(
                "Connection", "keep-alive, x-client-secret",
                "X-Client-Secret", "hidden",
                "Proxy-Authorization", "Basic abc",
                "TE", "trailers",
                "Authorization", "Bearer end-to-end"), null, false)).getJsonObject("headers");
        assertThat(seen.getString("x-client-secret")).isNull();
        assertThat(seen.getString("proxy-authorization")).isNull();
        assertThat(seen.getString("te")).isNull();
        assertThat(seen.getString("authorization")).isEqualTo("Bearer end-to-end");
    }

    @Test
    @DisplayName("X-Forwarded-For and Forwarded get this hop appended; proto and host are set")
    void forwardedHeadersAppended() {
        JsonObject seen = json(client.send(HttpMethod.GET, "/api/v2/x", Map.of(
                "X-Forwarded-For", "203.0.113.9",
                "Forwarded", "for=203.0.113.9",
                "Host", "models.example.com"), null, false)).getJsonObject("headers");

        assertThat(seen.getString("x-forwarded-for")).isEqualTo("203.0.113.9, 127.0.0.1");
        assertThat(seen.getString("forwarded"))
                .isEqualTo("for=203.0.113.9, for=127.0.0.1;proto=http;host=\"models.example.com\"");
        assertThat(seen.getString("x-forwarded-proto")).isEqualTo("http");
        assertThat(seen.getString("x-forwarded-host")).isEqualTo("models.example.com");
        assertThat(seen.getString("host")).isEqualTo("models.example.com");
    }

    @Test
    @DisplayName("a trusted proxy's X-Forwarded-Proto and -Host are passed on unchanged")
    void forwardedProtoAndHostFromATrustedProxyAreKept() {
        JsonObject seen = json(client.send(HttpMethod.GET, "/api/v2/x", Map.of(
                "X-Forwarded-Proto", "https",
                "X-Forwarded-Host", "public.example.com",
                "Host", "internal.example"), null, false)).getJsonObject("headers");

        assertThat(seen.getString("x-forwarded-proto")).isEqualTo("https");
        assertThat(seen.getString("x-forwarded-host")).isEqualTo("public.example.com");
    }

    @Test
    @DisplayName("X-Request-Id is generated when absent and passed on when present, both ways")
    void requestIdGeneratedAndPassedOn() {
        Reply generated = client.get("/api/v2/x");
        Reply given = client.send(HttpMethod.GET, "/api/v2/x", Map.of("X-Request-Id", "abc-123"), null, false);

        String id = generated.headers().get("x-request-id");
        assertThat(id).matches("[0-9a-f]{32}");
        assertThat(json(generated).getJsonObject("headers").getString("x-request-id")).isEqualTo(id);
        assertThat(given.headers().get("x-request-id")).isEqualTo("abc-123");
        assertThat(json(given).getJsonObject("headers").getString("x-request-id")).isEqualTo("abc-123");
    }

    @Test
    @DisplayName("a body over the route's limit gets 413, announced or chunked, and the upstream never sees it")
    void bodyTooLargeIs413() {
        Buffer big = Buffer.buffer(new byte[2048]);

        Reply announced = client.send(HttpMethod.POST, "/small/upload", Map.of(), big, false);
        Reply chunked = client.send(HttpMethod.POST, "/small/upload", Map.of(), big, true);

        assertThat(announced.status()).isEqualTo(413);
        assertThat(json(announced).getString("route")).isEqualTo("small");
        assertThat(json(announced).getString("type")).endsWith("/body-too-large");
        assertThat(chunked.status()).isEqualTo(413);
        assertThat(origins.get(3).hits()).isZero();
    }

    @Test
    @DisplayName("a large chunked upload streams through without being refused or truncated")
    void largeUploadStreams() {
        Buffer payload = Buffer.buffer(new byte[5 * 1024 * 1024]);

        Reply reply = client.send(HttpMethod.POST, "/api/v1/files", Map.of(), payload, true);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(json(reply).getInteger("bodyLength")).isEqualTo(5 * 1024 * 1024);
    }

    @Test
    @DisplayName("a Connection header naming Content-Length cannot strip the upstream request's framing (no smuggling)")
    void connectionNamingContentLengthKeepsTheFraming() {
        // Over the replayable size, so the body is streamed: without a length of its own the upstream would read a
        // bodyless POST and then the body as a next request.
        Buffer payload = Buffer.buffer(new byte[200 * 1024]);

        Reply reply = client.send(HttpMethod.POST, "/api/v1/files", Map.of("Connection", "keep-alive, Content-Length"),
                payload, false);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(json(reply).getInteger("bodyLength")).isEqualTo(200 * 1024);
        assertThat(json(reply).getJsonObject("headers").getString("content-length")).isEqualTo("204800");
    }

    @Test
    @DisplayName("an upstream that does not answer in time gives a 504 problem naming the route")
    void slowUpstreamIs504() {
        origins.get(3).behave(request -> { /* never answers */ });

        Reply reply = client.get("/slow/generate");

        assertThat(reply.status()).isEqualTo(504);
        assertThat(json(reply).getString("route")).isEqualTo("slow");
        assertThat(json(reply).getString("detail")).doesNotContain("127.0.0.1");
    }

    @Test
    @DisplayName("an upstream that resets the connection and no retry is left gives a 502 problem")
    void brokenUpstreamIs502() {
        origins.get(3).behave(request -> request.connection().close());

        Reply reply = client.get("/once/generate");

        assertThat(reply.status()).isEqualTo(502);
        assertThat(json(reply).getString("type")).endsWith("/upstream-failure");
        assertThat(json(reply).getString("route")).isEqualTo("once");
    }

    @Test
    @DisplayName("a GET whose reused keep-alive connection the upstream closes without answering is sent again on a "
            + "fresh connection to the same endpoint")
    void getMeetingAStaleKeepAliveConnectionIsSentAgainOnAFreshOne() {
        AtomicInteger seen = new AtomicInteger();
        origins.get(3).behave(request -> {
            if (seen.incrementAndGet() == 2) {
                request.connection().close(); // the keep-alive race: closed just as the gateway reused it
            } else {
                request.response().end("ok");
            }
        });

        assertThat(client.get("/api/v2/first").status()).isEqualTo(200);
        Reply reply = client.get("/api/v2/second");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(seen.get()).as("requests the origin saw").isEqualTo(3);
        assertThat(runtime.upstreams().get("single").pool().state().endpoints().get(0).consecutiveFailures()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"HTTP/1.1 200 OK\r\nContent-Le", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok"})
    @DisplayName("a reused connection that answers a GET badly (a head cut short, a malformed head) is the endpoint's "
            + "failure: no keep-alive race, so the GET is not sent to it again")
    void aBadAnswerOnAReusedConnectionIsNotAKeepAliveRace(String badAnswer) {
        withRawUpstream(read -> read == 1 ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" : badAnswer,
                read -> read > 1, raw -> {
                    assertThat(client.get("/api/v2/first").status()).isEqualTo(200);
                    Reply reply = client.get("/api/v2/second");

                    assertThat(reply.status()).isEqualTo(502);
                    assertThat(raw.answered().get()).as("requests the upstream read").isEqualTo(2);
                });
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"X-Bad: a\u0001b", "X-Bad: a\u0000b", "Bad{Name: v", "X-Bad: a\rb"})
    @DisplayName("a response header no client may receive (control character, non-token name) gives a 502 problem")
    void invalidUpstreamHeaderIs502(String header) {
        withRawUpstream("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + header + "\r\n\r\nok", false, raw -> {
            Reply reply = client.get("/once/generate");

            assertThat(raw.answered().get()).as("the 502 is for the bad header, not for a stale connection")
                    .isEqualTo(1);
            assertThat(reply.status()).isEqualTo(502);
            assertThat(json(reply).getString("type")).endsWith("/upstream-failure");
            assertThat(reply.headers().get("x-bad")).isNull();
        });
    }

    private record RawCounts(AtomicInteger accepted, AtomicInteger answered) {
    }

    /**
     * Replaces origin 3 (route "once") with a raw server that answers every request with {@code response} (and closes
     * the connection after it when {@code close}), runs {@code check}, and brings the origin back. The check gets how
     * many connections the raw server accepted and how many reads it answered.
     */
    private void withRawUpstream(String response, boolean close, Consumer<RawCounts> check) {
        withRawUpstream(read -> response, read -> close, check);
    }

    /** The same, answering the n-th read (from 1, over all connections) with {@code response.apply(n)}. */
    private void withRawUpstream(IntFunction<String> response, IntPredicate close, Consumer<RawCounts> check) {
        Origin origin = origins.get(3);
        origin.kill();
        RawCounts counts = new RawCounts(new AtomicInteger(), new AtomicInteger());
        AtomicReference<NetServer> listening = new AtomicReference<>();
        // The port may take a moment to be free after the origin stopped.
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
            listening.set(GatewayClient.await(origin.vertx().createNetServer().connectHandler(socket -> {
                counts.accepted().incrementAndGet();
                socket.handler(data -> {
                    int read = counts.answered().incrementAndGet();
                    socket.write(response.apply(read));
                    if (close.test(read)) {
                        socket.close();
                    }
                });
            }).listen(origin.port(), "127.0.0.1")));
            return true;
        });
        NetServer raw = listening.get();
        try {
            check.accept(counts);
        } finally {
            GatewayClient.await(raw.close());
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
                origin.revive();
                return true;
            });
        }
    }

    @Test
    @DisplayName("a chunked upstream response with extensions and trailers reaches the client whole, and the "
            + "connection is reused")
    void chunkedUpstreamResponse() {
        withRawUpstream("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Model: m\r\n\r\n"
                + "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n", false, raw -> {
                    for (int i = 0; i < 3; i++) {
                        Reply reply = client.get("/once/generate");
                        assertThat(reply.status()).isEqualTo(200);
                        assertThat(reply.body()).isEqualTo("hello world");
                        assertThat(reply.headers().get("x-model")).isEqualTo("m");
                    }
                    assertThat(raw.accepted().get()).as("one kept-alive upstream connection").isEqualTo(1);
                });
    }

    @Test
    @DisplayName("an upstream body delimited by the connection's close reaches the client whole")
    void closeDelimitedUpstreamResponse() {
        withRawUpstream("HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n\r\n{\"a\":1}\n{\"b\":2}\n", true,
                raw -> {
                    Reply reply = client.get("/once/generate");
                    assertThat(reply.status()).isEqualTo(200);
                    assertThat(reply.body()).isEqualTo("{\"a\":1}\n{\"b\":2}\n");
                    assertThat(reply.headers().get("content-type")).isEqualTo("application/x-ndjson");
                });
    }

    @Test
    @DisplayName("Transfer-Encoding next to Content-Length: the length is not forwarded and the connection not reused")
    void transferEncodingOverridesContentLength() {
        withRawUpstream("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "2\r\nab\r\n0\r\n\r\n", false, raw -> {
                    for (int i = 0; i < 2; i++) {
                        Reply reply = client.get("/once/generate");
                        assertThat(reply.status()).isEqualTo(200);
                        assertThat(reply.body()).isEqualTo("ab");
                        assertThat(reply.headers().get("content-length")).isNull();
                    }
                    assertThat(raw.accepted().get()).as("a new upstream connection per request").isEqualTo(2);
                });
    }

    @Test
    @DisplayName("interim 1xx upstream responses are dropped and the final one is forwarded, custom reason included")
    void interimResponsesDropped() throws Exception {
        withRawUpstream("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n"
                + "HTTP/1.1 299 Fine Indeed\r\nContent-Length: 2\r\n\r\nok", false, raw -> {
                    RawConnection connection = RawConnection.open(client.vertx(), gateway.getPort());
                    try {
                        connection.write("GET /once/generate HTTP/1.1\r\nHost: x\r\n\r\n");
                        connection.awaitText("ok");
                        assertThat(connection.text()).startsWith("HTTP/1.1 299 Fine Indeed\r\n").doesNotContain("Early")
                                .doesNotContain("100 Continue");
                    } finally {
                        connection.close();
                    }
                });
    }

    @Test
    @DisplayName("a HEAD request's upstream response ends with its head, whatever its Content-Length says")
    void headResponseHasNoBody() {
        withRawUpstream("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", false, raw -> {
            for (int i = 0; i < 2; i++) {
                Reply reply = client.send(HttpMethod.HEAD, "/once/generate", Map.of(), null, false);
                assertThat(reply.status()).isEqualTo(200);
                assertThat(reply.body()).isEmpty();
            }
            assertThat(raw.accepted().get()).as("the connection stays usable").isEqualTo(1);
        });
    }

    @Test
    @DisplayName("bytes after the end of an upstream response keep its connection from reuse; a 204 connection is reused")
    void bytesAfterTheEndBlockReuse() {
        withRawUpstream("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 500 Unasked\r\n\r\n", false,
                raw -> {
                    for (int i = 0; i < 2; i++) {
                        Reply reply = client.get("/once/generate");
                        assertThat(reply.status()).isEqualTo(200);
                        assertThat(reply.body()).isEqualTo("ok");
                    }
                    assertThat(raw.accepted().get()).as("a new upstream connection per request").isEqualTo(2);
                });
        withRawUpstream("HTTP/1.1 204 No Content\r\n\r\n", false, raw -> {
            for (int i = 0; i < 2; i++) {
                assertThat(client.get("/once/generate").status()).isEqualTo(204);
            }
            assertThat(raw.accepted().get()).as("one kept-alive upstream connection").isEqualTo(1);
        });
    }

    @Test
    @DisplayName("repeated Content-Length fields of one value reach the client as one field")
    void repeatedContentLengthBecomesOne() {
        withRawUpstream("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\ncontent-length: 2\r\n\r\nok", false, raw -> {
            Reply reply = client.get("/once/generate");
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("ok");
            assertThat(reply.headers().getAll("content-length")).containsExactly("2");
        });
    }

    @Test
    @DisplayName("headers named by any of the upstream's Connection fields stay behind")
    void everyConnectionFieldCounts() {
        withRawUpstream("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nConnection: X-Secret\r\nX-Secret: s\r\n"
                + "X-Public: p\r\nContent-Length: 2\r\n\r\nok", false, raw -> {
                    Reply reply = client.get("/once/generate");
                    assertThat(reply.status()).isEqualTo(200);
                    assertThat(reply.headers().get("x-secret")).isNull();
                    assertThat(reply.headers().get("x-public")).isEqualTo("p");
                });
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Content-Length: 5\r\nContent-Length: 6", "Content-Length: -1",
        "Transfer-Encoding: chunked, gzip", "X-Folded: a\r\n b"})
    @DisplayName("an upstream response with broken framing gives a 502 problem")
    void brokenFramingIs502(String header) {
        withRawUpstream("HTTP/1.1 200 OK\r\n" + header + "\r\n\r\nok", false, raw -> {
            Reply reply = client.get("/once/generate");
            assertThat(reply.status()).isEqualTo(502);
            assertThat(json(reply).getString("type")).endsWith("/upstream-failure");
        });
    }

    @Test
    @DisplayName("no usable endpoint gives 503 with Retry-After; undrain brings traffic back")
    void drainedUpstreamIs503() {
        var single = runtime.upstreams().get("single").pool();
        single.drain(origins.get(3).address());
        try {
            Reply reply = client.get("/api/v2/x");

            assertThat(reply.status()).isEqualTo(503);
            assertThat(reply.headers().get("retry-after")).isEqualTo("1");
            assertThat(json(reply).getString("type")).endsWith("/no-endpoint");
        } finally {
            single.undrain(origins.get(3).address());
        }
        assertThat(client.get("/api/v2/x").status()).isEqualTo(200);
    }

    @Test
    @DisplayName("a POST is not retried once it was sent: one upstream hit, then 502")
    void postNotRetriedAfterSend() {
        for (int i = 0; i < 3; i++) {
            origins.get(i).behave(request -> request.connection().close());
        }

        Reply reply = client.send(HttpMethod.POST, "/fragile/v1/completions", Map.of(),
                Buffer.buffer("{\"prompt\":\"hi\"}"), false);

        assertThat(reply.status()).isEqualTo(502);
        assertThat(origins.get(0).hits() + origins.get(1).hits() + origins.get(2).hits()).isEqualTo(1);
    }

    @Test
    @DisplayName("a POST is retried on another endpoint when its first endpoint refused the connection")
    void postRetriedWhenNeverSent() {
        origins.get(0).kill();

        for (int i = 0; i < 3; i++) {
            Reply reply = client.send(HttpMethod.POST, "/fragile/v1/completions", Map.of(),
                    Buffer.buffer("{\"prompt\":\"hi\"}"), false);
            assertThat(reply.status()).isEqualTo(200);
            assertThat(json(reply).getInteger("bodyLength")).isEqualTo(15);
        }
    }

    @Test
    @DisplayName("a GET is retried on another endpoint when one resets, and the client sees only success")
    void getRetriedOnAnotherEndpoint() {
        origins.get(0).behave(request -> request.connection().close());
        origins.get(1).behave(request -> request.response().setStatusCode(503).end());

        for (int i = 0; i < 6; i++) {
            Reply reply = client.get("/fragile/v1/models");
            assertThat(reply.status()).isEqualTo(200);
            assertThat(json(reply).getString("origin")).isEqualTo("origin-2");
        }
    }

    @Test
    @DisplayName("an endpoint killed during a stream of GETs causes zero client errors")
    void killedEndpointCausesNoErrors() {
        List<Integer> statuses = new java.util.ArrayList<>();
        for (int i = 0; i < 60; i++) {
            if (i == 20) {
                origins.get(1).kill();
            }
            statuses.add(client.get("/fragile/v1/models").status());
        }

        assertThat(statuses).containsOnly(200);
    }

    @Test
    @DisplayName("SSE arrives event by event: the first event reaches the client before the upstream sends the last")
    void sseStreamsEventByEvent() throws Exception {
        CompletableFuture<Void> clientSawFirst = new CompletableFuture<>();
        origins.get(3).behave(request -> {
            var response = request.response().putHeader("content-type", "text/event-stream").setChunked(true);
            response.write("data: first\n\n");
            clientSawFirst.thenRun(() -> origins.get(3).vertx().runOnContext(x -> {
                response.write("data: last\n\n");
                response.end();
            }));
        });
        LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
        CompletableFuture<Void> ended = new CompletableFuture<>();

        // Started on an event loop, so the handlers are set before the loop can deliver the first chunk.
        client.onEventLoop(() -> client.http().request(HttpMethod.GET, "/api/v2/stream").compose(r -> r.send())
                .onSuccess(response -> {
                    response.handler(chunk -> received.add(chunk.toString()));
                    response.endHandler(v -> ended.complete(null));
                }));

        String first = received.poll(10, TimeUnit.SECONDS);
        assertThat(first).isEqualTo("data: first\n\n");
        assertThat(ended).isNotDone();
        clientSawFirst.complete(null);
        ended.get(10, TimeUnit.SECONDS);
        assertThat(String.join("", received)).isEqualTo("data: last\n\n");
    }

    @Test
    @DisplayName("a WebSocket upgrade is tunnelled and echoes both ways")
    void webSocketEcho() throws Exception {
        LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
        var socket = GatewayClient.await(client.http().webSocket(new WebSocketConnectOptions()
                .setHost("127.0.0.1").setPort(gateway.getPort()).setURI("/api/v2/ws")));
        socket.textMessageHandler(messages::add);

        socket.writeTextMessage("hello");
        socket.writeTextMessage("again");

        assertThat(messages.poll(10, TimeUnit.SECONDS)).isEqualTo("origin-3:hello");
        assertThat(messages.poll(10, TimeUnit.SECONDS)).isEqualTo("origin-3:again");
        GatewayClient.await(socket.close());
    }

    @Test
    @DisplayName("a WebSocket with permessage-deflate is negotiated end to end: the client and the origin compress, the gateway only tunnels")
    void compressedWebSocketEcho() throws Exception {
        // The origin accepts permessage-deflate (Origin.offerPerMessageDeflate); this client offers it. The extension
        // belongs to the two ends: a gateway that took part in the negotiation would answer or decode frames it only
        // tunnels, one that dropped the request's Sec-WebSocket-Extensions would leave the 101 without it.
        var compressing = client.vertx().createHttpClient(new HttpClientOptions()
                .setTryUsePerMessageWebSocketCompression(true));
        try {
            LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
            // Vert.x gives the 101's headers only to the callbacks the handshake completes and clears them right after
            // (WebSocket.headers() is null from then on). Read on this thread once await returned, they were there or
            // not depending on which thread ran first. Connecting from the client's event loop, the callback below is
            // registered before the handshake can complete, so it runs inside that completion and sees the headers.
            Upgraded upgraded = GatewayClient.await(client.onEventLoop(() -> compressing.webSocket(
                            new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gateway.getPort())
                                    .setURI("/api/v2/ws"))
                    .map(socket -> {
                        socket.textMessageHandler(messages::add);
                        return new Upgraded(socket, socket.headers().get("Sec-WebSocket-Extensions"));
                    })));
            assertThat(upgraded.extensions()).as("Sec-WebSocket-Extensions of the 101").startsWith("permessage-deflate");
            // 120 kB that deflates to a few hundred bytes: it crosses the tunnel compressed, in more than one frame.
            String big = "token ".repeat(20_000);

            upgraded.socket().writeTextMessage("hello");
            upgraded.socket().writeTextMessage(big);

            assertThat(messages.poll(10, TimeUnit.SECONDS)).isEqualTo("origin-3:hello");
            assertThat(messages.poll(10, TimeUnit.SECONDS)).isEqualTo("origin-3:" + big);
            GatewayClient.await(upgraded.socket().close());
        } finally {
            GatewayClient.await(compressing.close());
        }
    }

    /** A client WebSocket and the Sec-WebSocket-Extensions its 101 carried. */
    private record Upgraded(WebSocket socket, String extensions) {
    }

    @Test
    @DisplayName("a WebSocket the client closes counts as a 101 in the request metrics, not as a 499 client abort")
    void closedWebSocketCountsAsSwitchingProtocols() throws Exception {
        double upgradedBefore = requests("1xx");
        double abortedBefore = requests("4xx");
        LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
        var socket = GatewayClient.await(client.http().webSocket(new WebSocketConnectOptions()
                .setHost("127.0.0.1").setPort(gateway.getPort()).setURI("/api/v2/ws")));
        socket.textMessageHandler(messages::add);
        socket.writeTextMessage("hello");
        assertThat(messages.poll(10, TimeUnit.SECONDS)).isEqualTo("origin-3:hello");

        GatewayClient.await(socket.close());

        assertCountedOnceAsSwitchingProtocols(upgradedBefore, abortedBefore);
    }

    @Test
    @DisplayName("a WebSocket whose client drops the TCP connection without a close frame still counts as a 101")
    void droppedWebSocketCountsAsSwitchingProtocols() throws Exception {
        double upgradedBefore = requests("1xx");
        double abortedBefore = requests("4xx");
        StringBuffer received = new StringBuffer();
        var tcp = GatewayClient.await(client.vertx().createNetClient().connect(gateway.getPort(), "127.0.0.1"));
        tcp.handler(buffer -> received.append(buffer.toString()));
        tcp.write("GET /api/v2/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> received.indexOf("}") > 0);
        received.setLength(0);
        tcp.write("GET /api/v2/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> received.indexOf("\r\n\r\n") > 0);
        assertThat(received.toString()).startsWith("HTTP/1.1 101");

        GatewayClient.await(tcp.close());

        assertCountedOnceAsSwitchingProtocols(upgradedBefore, abortedBefore);
    }

    @Test
    @DisplayName("a WebSocket whose origin goes away counts as a 101 too")
    void webSocketEndedByTheOriginCountsAsSwitchingProtocols() throws Exception {
        double upgradedBefore = requests("1xx");
        double abortedBefore = requests("4xx");
        LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        var socket = GatewayClient.await(client.http().webSocket(new WebSocketConnectOptions()
                .setHost("127.0.0.1").setPort(gateway.getPort()).setURI("/api/v2/ws")));
        socket.textMessageHandler(messages::add);
        socket.closeHandler(v -> closed.complete(null));
        socket.writeTextMessage("hello");
        assertThat(messages.poll(10, TimeUnit.SECONDS)).isEqualTo("origin-3:hello");

        origins.get(3).kill();

        closed.get(10, TimeUnit.SECONDS);
        assertCountedOnceAsSwitchingProtocols(upgradedBefore, abortedBefore);
    }

    /** Waits for the tunnel's lease and request to end, then checks it was counted as one 101 and no 499. */
    private void assertCountedOnceAsSwitchingProtocols(double upgradedBefore, double abortedBefore) {
        await().atMost(Duration.ofSeconds(10)).until(() -> totalInFlight() == 0
                && requests("1xx") + requests("4xx") > upgradedBefore + abortedBefore);
        assertThat(requests("4xx") - abortedBefore).as("counted as a client abort").isZero();
        assertThat(requests("1xx") - upgradedBefore).isEqualTo(1.0);
    }

    private double requests(String statusClass) {
        return meterRegistry.get("ballast.gateway.requests").tag("route", "models").tag("status_class", statusClass)
                .counter().count();
    }

    @Test
    @DisplayName("clients that disconnect mid-stream leave no in-flight count behind")
    void noInFlightLeakAfterDisconnect() throws Exception {
        AtomicInteger streams = new AtomicInteger();
        origins.get(3).behave(request -> {
            streams.incrementAndGet();
            var response = request.response().putHeader("content-type", "text/event-stream").setChunked(true);
            response.write("data: tick\n\n");
            long timer = origins.get(3).vertx().setPeriodic(20, id -> response.write("data: tick\n\n"));
            response.closeHandler(v -> origins.get(3).vertx().cancelTimer(timer));
        });
        Endpoint endpoint = runtime.upstreams().get("single").pool().endpoints().get(0);

        for (int i = 0; i < 5; i++) {
            LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
            try (GatewayClient once = new GatewayClient(gateway.getPort())) {
                once.onEventLoop(() -> once.http().request(HttpMethod.GET, "/api/v2/stream").compose(r -> r.send())
                        .onSuccess(response -> response.handler(chunk -> received.add(chunk.toString()))));
                assertThat(received.poll(10, TimeUnit.SECONDS)).isNotNull();
                assertThat(endpoint.inFlight()).isEqualTo(1);
            }
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> endpoint.inFlight() == 0);
        assertThat(streams.get()).isEqualTo(5);
    }

    @Test
    @DisplayName("round robin over equal weights spreads requests evenly over the endpoints")
    void roundRobinSpreads() {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            counts.merge(json(client.get("/api/v1/models")).getString("origin"), 1, Integer::sum);
        }

        assertThat(counts).containsOnlyKeys("origin-0", "origin-1", "origin-2");
        // Within one: a request that meets a pooled connection an earlier test's killed origin left behind is
        // provably unsent and retried on the next endpoint, which moves the rotation by one.
        assertThat(counts.values()).allSatisfy(n -> assertThat(n).isCloseTo(10, within(1)));
    }

    @Test
    @DisplayName("keep-alive: many sequential requests reuse a handful of upstream connections")
    void upstreamConnectionsAreReused() {
        Set<String> upstreamPeers = new HashSet<>();
        origins.get(3).behave(request -> request.response().end(request.remoteAddress().toString()));

        for (int i = 0; i < 40; i++) {
            upstreamPeers.add(client.get("/api/v2/x").body());
        }

        // One connection per gateway event loop at most, never one per request.
        assertThat(upstreamPeers.size()).isLessThanOrEqualTo(Runtime.getRuntime().availableProcessors() * 2);
    }
}
