package dev.ballast.gateway.proxy;

import dev.ballast.gateway.testing.GatewayClient;
import dev.ballast.gateway.testing.GatewayTestBase;
import dev.ballast.gateway.testing.GatewayClient.Reply;
import dev.ballast.gateway.testing.Origins;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import dev.ballast.gateway.testing.RawConnection;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Protection: header size, slow clients, connection caps per endpoint (circuit breaker), stream timeouts. */
@QuarkusTest
@TestProfile(LimitsTest.Profile.class)
@QuarkusTestResource(value = Origins.class, restrictToAnnotatedClass = true)
class LimitsTest extends GatewayTestBase {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = new HashMap<>();
            c.put("ballast.gateway.upstreams.tiny.endpoints", "${test.origin.0}");
            c.put("ballast.gateway.upstreams.tiny.max-connections-per-endpoint", "1");
            c.put("ballast.gateway.upstreams.tiny.max-pending-per-endpoint", "0");
            c.put("ballast.gateway.routes.tiny.prefix", "/tiny");
            c.put("ballast.gateway.routes.tiny.upstream", "tiny");
            c.put("ballast.gateway.upstreams.stream.endpoints", "${test.origin.1}");
            c.put("ballast.gateway.routes.stream.prefix", "/stream");
            c.put("ballast.gateway.routes.stream.upstream", "stream");
            // Five times the 200 ms between the flowing stream's chunks: a late chunk on a loaded machine is no gap.
            c.put("ballast.gateway.routes.stream.timeouts.idle", "1s");
            c.put("ballast.gateway.routes.capped.prefix", "/capped");
            c.put("ballast.gateway.routes.capped.upstream", "stream");
            c.put("ballast.gateway.routes.capped.timeouts.total", "400ms");
            c.put("ballast.gateway.routes.capped.retries.max-tries", "1");
            c.put("ballast.gateway.upstreams.lazy.endpoints", "${test.origin.2}");
            c.put("ballast.gateway.routes.lazy.prefix", "/lazy");
            c.put("ballast.gateway.routes.lazy.upstream", "lazy");
            c.put("ballast.gateway.routes.lazy.timeouts.response-headers", "300ms");
            c.put("ballast.gateway.routes.lazy.timeouts.idle", "300ms");
            c.put("ballast.gateway.routes.lazy.retries.max-tries", "1");
            c.put("ballast.gateway.upstreams.pair.endpoints", "${test.origin.2},${test.origin.3}");
            c.put("ballast.gateway.routes.pair.prefix", "/pair");
            c.put("ballast.gateway.routes.pair.upstream", "pair");
            // Room for origin-3's head on a loaded machine (origin-2 never answers, so it times out anyway), and
            // under the 1 s client idle timeout, which would otherwise close the client waiting for origin-2.
            c.put("ballast.gateway.routes.pair.timeouts.response-headers", "700ms");
            c.put("ballast.gateway.limits.max-header-size", "4K");
            c.put("ballast.gateway.limits.client-idle-timeout", "1s");
            return c;
        }
    }







    @Test
    @DisplayName("request headers over max-header-size are refused with 431 before any upstream sees them")
    void headerTooLarge() {
        Reply reply = client.send(HttpMethod.GET, "/tiny/x", Map.of("X-Big", "a".repeat(8 * 1024)), null, false);

        assertThat(reply.status()).isEqualTo(431);
        assertThat(origins.get(0).hits()).isZero();
    }

    @Test
    @DisplayName("an endpoint at its connection cap gets no more requests: 503 with Retry-After, counted")
    void circuitBreakerRejects() {
        CompletableFuture<Void> release = new CompletableFuture<>();
        AtomicInteger held = new AtomicInteger();
        origins.get(0).behave(request -> {
            held.incrementAndGet();
            release.thenRun(() -> origins.get(0).vertx().runOnContext(v -> request.response().end("late")));
        });
        var first = client.http().request(HttpMethod.GET, "/tiny/hold").compose(r -> r.send())
                .compose(r -> r.body());
        await().until(() -> held.get() == 1);

        Reply second = client.get("/tiny/hold");

        assertThat(second.status()).isEqualTo(503);
        assertThat(second.headers().get("retry-after")).isEqualTo("1");
        assertThat(new JsonObject(second.body()).getString("type")).endsWith("/upstream-saturated");
        assertThat(held.get()).isEqualTo(1);
        release.complete(null);
        assertThat(GatewayClient.await(first).toString()).isEqualTo("late");
    }

    @Test
    @DisplayName("a stream that goes silent longer than the idle timeout is cut, and its lease released")
    void idleStreamIsCut() throws Exception {
        origins.get(1).behave(request -> request.response().setChunked(true)
                .putHeader("content-type", "text/event-stream").write("data: one\n\n"));
        LinkedBlockingQueue<String> chunks = new LinkedBlockingQueue<>();
        CompletableFuture<Throwable> broken = new CompletableFuture<>();

        // Started on an event loop, so the handlers are set before the loop can deliver the first chunk.
        client.onEventLoop(() -> client.http().request(HttpMethod.GET, "/stream/events").compose(r -> r.send())
                .onSuccess(response -> {
                    response.handler(chunk -> chunks.add(chunk.toString()));
                    response.exceptionHandler(broken::complete);
                    response.endHandler(v -> broken.complete(null));
                }));

        assertThat(chunks.poll(10, TimeUnit.SECONDS)).isEqualTo("data: one\n\n");
        assertThat(broken.get(10, TimeUnit.SECONDS)).as("the client must see a broken stream, not a clean end")
                .isNotNull();
    }

    @Test
    @DisplayName("a response that keeps flowing for longer than the client idle timeout is not cut: writes are traffic")
    void flowingResponseOutlastsClientIdleTimeout() throws Exception {
        // 8 chunks 200 ms apart: 1.6 s with nothing from the client after its request (its idle timeout closes
        // within 1.25 s), each gap under the route's 1 s idle.
        origins.get(1).behave(request -> {
            request.response().setChunked(true).putHeader("content-type", "text/event-stream");
            AtomicInteger sent = new AtomicInteger();
            origins.get(1).vertx().setPeriodic(200, id -> {
                int n = sent.incrementAndGet();
                request.response().write("data: " + n + "\n\n");
                if (n == 8) {
                    origins.get(1).vertx().cancelTimer(id);
                    request.response().end();
                }
            });
        });
        StringBuilder body = new StringBuilder();
        CompletableFuture<Throwable> ended = new CompletableFuture<>();

        client.onEventLoop(() -> client.http().request(HttpMethod.GET, "/stream/slow").compose(r -> r.send())
                .onSuccess(response -> {
                    response.handler(chunk -> body.append(chunk));
                    response.exceptionHandler(ended::complete);
                    response.endHandler(v -> ended.complete(null));
                }));

        assertThat(ended.get(10, TimeUnit.SECONDS)).as("the stream must end cleanly").isNull();
        assertThat(body.toString()).startsWith("data: 1\n\n").endsWith("data: 8\n\n");
    }

    @Test
    @DisplayName("the total timeout answers 504 when the upstream has not answered in time")
    void totalTimeout() {
        origins.get(1).behave(request -> { /* never answers */ });

        Reply reply = client.get("/capped/generate");

        assertThat(reply.status()).isEqualTo(504);
        assertThat(new JsonObject(reply.body()).getString("route")).isEqualTo("capped");
    }

    @Test
    @DisplayName("the response-headers timeout holds when the upstream connection's idle timeout enforces it")
    void responseHeadersTimeoutThroughConnectionIdle() {
        origins.get(2).behave(request -> { /* never answers */ });

        Reply reply = client.get("/lazy/generate");

        assertThat(reply.status()).isEqualTo(504);
        assertThat(new JsonObject(reply.body()).getString("type")).endsWith("/upstream-timeout");
    }

    @Test
    @DisplayName("an idempotent request whose endpoint times out is retried on another endpoint")
    void timeoutRetriedElsewhere() {
        origins.get(2).behave(request -> { /* never answers */ });

        for (int i = 0; i < 4; i++) {
            Reply reply = client.get("/pair/v1/models");
            assertThat(reply.status()).isEqualTo(200);
            assertThat(new JsonObject(reply.body()).getString("origin")).isEqualTo("origin-3");
        }
        assertThat(origins.get(2).hits()).isPositive();
    }

    @Test
    @DisplayName("a client that connects and sends nothing is disconnected after the client idle timeout")
    void idleClientDisconnected() throws Exception {
        RawConnection socket = RawConnection.open(client.vertx(), gateway.getPort());
        socket.write("GET /tiny/x HTTP/1.1\r\nHost: x\r\n");

        socket.awaitClosed();
        assertThat(origins.get(0).hits()).isZero();
    }
}
