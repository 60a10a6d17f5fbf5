package dev.ballast.gateway.reload;

import dev.ballast.gateway.discovery.SteadyTraffic;
import dev.ballast.gateway.testing.GatewayClient;
import dev.ballast.gateway.testing.GatewayTestBase;
import dev.ballast.gateway.testing.Origins;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.UpstreamPool;
import dev.ballast.testing.RedisServerResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpMethod;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Live reconfiguration from a ConfigMap-style volume: changes apply without a restart and without dropping what is
 * in flight, surviving upstreams keep their pools, and an invalid file leaves the running configuration alone.
 */
@QuarkusTest
@TestProfile(ConfigReloadTest.Profile.class)
@QuarkusTestResource(value = Origins.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class ConfigReloadTest extends GatewayTestBase {

    /** Routes /a/ and /stream to upstream "a" (origin 0). */
    static final String INITIAL = """
            ballast:
              gateway:
                upstreams:
                  a:
                    endpoints: ["${test.origin.0}"]
                routes:
                  a:
                    prefix: /a/
                    upstream: a
                  stream:
                    prefix: /stream
                    upstream: a
            """;

    /** Origins start after the profile is read, so the gateway starts on a placeholder address until the first write. */
    static final ConfigMapVolume VOLUME = new ConfigMapVolume(INITIAL.replace("${test.origin.0}", "127.0.0.1:9"));

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ballast.gateway.config-file", VOLUME.file().toString());
        }
    }

    @Inject
    MeterRegistry registry;

    @Inject
    ConfigFileReloader reloader;

    /** The management port (only the port of this URL is used). */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    @BeforeEach
    void backToTheInitialFile() {
        apply(INITIAL);
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.upstreams().retiredCount() == 0);
    }

    @Test
    @DisplayName("a change made while an SSE stream is in flight: the stream completes, new requests follow the new "
            + "routes, and the surviving upstream keeps its pool and endpoints")
    void changeDuringStream() throws Exception {
        UpstreamPool poolBefore = runtime.upstreams().get("a").pool();
        Endpoint endpointBefore = poolBefore.endpoints().get(0);
        Promise<Void> finish = Promise.promise();
        origins.get(0).behave(request -> {
            var response = request.response().putHeader("content-type", "text/event-stream").setChunked(true);
            response.write("data: first\n\n");
            finish.future().onComplete(done -> origins.get(0).vertx().runOnContext(v -> response.end("data: last\n\n")));
        });
        CompletableFuture<String> body = new CompletableFuture<>();
        CompletableFuture<Void> head = new CompletableFuture<>();
        // Started on an event loop, so the body handler is set before that loop can deliver the first chunk.
        client.onEventLoop(() -> client.http().request(HttpMethod.GET, "/stream").compose(r -> r.send())
                .onSuccess(response -> {
                    head.complete(null);
                    response.body().onSuccess(b -> body.complete(b.toString())).onFailure(body::completeExceptionally);
                }));
        head.get(10, TimeUnit.SECONDS);

        apply(INITIAL.replace("""
                      a:
                        prefix: /a/
                        upstream: a
                """, """
                      a:
                        prefix: /a/
                        upstream: b
                      b:
                        prefix: /b/
                        upstream: b
                """).replace("""
                    routes:
                """, """
                      b:
                        endpoints: ["${test.origin.1}"]
                    routes:
                """));

        assertThat(client.get("/a/x").headers().get("x-origin")).isEqualTo(origins.get(1).name());
        assertThat(client.get("/b/x").headers().get("x-origin")).isEqualTo(origins.get(1).name());
        assertThat(body).isNotDone();
        finish.complete();
        assertThat(body.get(10, TimeUnit.SECONDS)).isEqualTo("data: first\n\ndata: last\n\n");
        assertThat(runtime.upstreams().get("a").pool()).isSameAs(poolBefore);
        assertThat(poolBefore.endpoints().get(0)).isSameAs(endpointBefore);
        assertThat(management("/q/metrics")).contains("ballast_gateway_requests_total{route=\"b\"");
    }

    @Test
    @DisplayName("the reloader's baseline is what start-up applied, not a later reading: a change written before the "
            + "reloader started is applied by its first check")
    void changeWrittenBeforeTheReloaderStartedIsApplied() {
        // Start-up applied the placeholder file; the file now holds INITIAL with real addresses (BeforeEach). The
        // reloader is stopped, the file changed, and the reloader started again, as if that change had landed
        // between start-up's reading and the StartupEvent.
        reloader.stop(null);
        double before = ConfigMapVolume.reloads(registry, "success");
        VOLUME.write(INITIAL.replace("${test.origin.0}", origins.get(0).address()) + "# before the reloader\n");

        reloader.start(null);

        await().atMost(Duration.ofSeconds(10)).until(() -> ConfigMapVolume.reloads(registry, "success") > before);
    }

    @Test
    @DisplayName("an invalid file is refused with a logged reason naming the bad key and a failure count, and the "
            + "running configuration keeps serving")
    void invalidFileIsRefused() {
        double failures = reloads("failure");
        double successes = reloads("success");
        List<String> errors = new CopyOnWriteArrayList<>();
        // The reloader logs through JBoss Logging onto the JBoss LogManager, whose loggers are java.util.logging ones.
        Logger reloaderLog = Logger.getLogger(ConfigFileReloader.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                    // Message and parameters as logged (printf style): formatting is not this test's concern.
                    errors.add(record.getMessage() + " " + Arrays.toString(record.getParameters()));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        reloaderLog.addHandler(capture);
        try {
            VOLUME.write(INITIAL.replace("${test.origin.0}", origins.get(0).address())
                    .replace("upstream: a\n      stream", "upstream: missing\n      stream"));

            await().atMost(Duration.ofSeconds(10)).until(() -> reloads("failure") == failures + 1 && !errors.isEmpty());
        } finally {
            reloaderLog.removeHandler(capture);
        }
        assertThat(errors).singleElement().asString().contains("refused", "ballast.gateway.routes.a.upstream",
                "'missing'");
        assertThat(reloads("success")).isEqualTo(successes);
        assertThat(management("/q/metrics"))
                .contains("ballast_gateway_config_reloads_total{result=\"failure\"} " + (failures + 1))
                .containsPattern("ballast_gateway_config_last_reload_success_timestamp_seconds [1-9]");
        GatewayClient.Reply reply = client.get("/a/x");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.headers().get("x-origin")).isEqualTo(origins.get(0).name());
    }

    @Test
    @DisplayName("a reload that adds a rate limit to a route takes effect without a restart: 429 after the burst")
    void rateLimitAddedByReload() {
        for (int i = 0; i < 5; i++) {
            assertThat(client.get("/a/x").status()).isEqualTo(200); // no limit yet
        }

        // 1/h, one budget for the route: nothing refills during the test, so exactly the burst gets through.
        apply(INITIAL.replace("upstream: a\n      stream", """
                upstream: a
                        rate-limit:
                          rate: 1/h
                          burst: 2
                          key: route
                      stream"""));

        assertThat(client.get("/a/x").status()).isEqualTo(200);
        assertThat(client.get("/a/x").status()).isEqualTo(200);
        GatewayClient.Reply refused = client.get("/a/x");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.headers().get("RateLimit-Limit")).isEqualTo("2");
        assertThat(client.get("/stream").status()).isEqualTo(200); // the other route has no limit
    }

    @Test
    @DisplayName("an upstream removed by a reload stops taking requests and is released; an added one serves at once")
    void upstreamRemovedAndAdded() {
        var removed = runtime.upstreams().get("a");

        apply("""
                ballast:
                  gateway:
                    upstreams:
                      c:
                        endpoints: ["${test.origin.2}"]
                    routes:
                      a:
                        prefix: /a/
                        upstream: c
                """);

        GatewayClient.Reply reply = client.get("/a/x");
        assertThat(reply.headers().get("x-origin")).isEqualTo(origins.get(2).name());
        assertThat(client.get("/stream").status()).isEqualTo(404);
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.upstreams().get("a") == null
                && runtime.upstreams().retiredCount() == 0);
        assertThat(runtime.upstreams().all()).extracting(u -> u.name()).containsExactly("c");
        assertThat(removed.activeRequests()).isZero();
    }

    @Test
    @DisplayName("a steady stream of GETs sees no error while upstreams are added, re-pointed and removed")
    void noErrorsAcrossReloads() throws Exception {
        String twoUpstreams = INITIAL.replace("""
                    routes:
                """, """
                      b:
                        endpoints: ["${test.origin.1}", "${test.origin.2}"]
                    routes:
                """);
        try (SteadyTraffic traffic = new SteadyTraffic(gateway.getPort(), "/a/models")) {
            apply(twoUpstreams);
            apply(twoUpstreams.replace("prefix: /a/\n        upstream: a", "prefix: /a/\n        upstream: b"));
            await().atMost(Duration.ofSeconds(10)).until(() -> traffic.servedBy(origins.get(1).name()) > 0
                    && traffic.servedBy(origins.get(2).name()) > 0);
            apply(twoUpstreams.replace("upstream: a\n", "upstream: b\n").replace("""
                      a:
                        endpoints: ["${test.origin.0}"]
                """, ""));
            apply(INITIAL);
            int before = traffic.ok();
            await().atMost(Duration.ofSeconds(10)).until(() -> traffic.ok() > before + 20);

            traffic.close();
            assertThat(traffic.errors()).isEmpty();
        }
    }

    private void apply(String yaml) {
        VOLUME.applyAndWait(yaml, origins, registry);
    }

    private double reloads(String result) {
        return ConfigMapVolume.reloads(registry, result);
    }

    private String management(String path) {
        return GatewayClient.body(management.getPort(), path);
    }
}
