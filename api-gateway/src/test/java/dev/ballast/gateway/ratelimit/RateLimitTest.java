package dev.ballast.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.gateway.health.GatewayReadiness;
import dev.ballast.gateway.testing.GatewayClient;
import dev.ballast.gateway.testing.GatewayClient.Reply;
import dev.ballast.gateway.testing.GatewayTestBase;
import dev.ballast.gateway.testing.Origins;
import dev.ballast.testing.RedisServer;
import dev.ballast.testing.RedisServerResource;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.health.Readiness;
import org.junit.jupiter.api.Test;

/** Route rate limits over HTTP, with a real redis-server shared by the gateway and a second "replica". */
@QuarkusTest
@TestProfile(RateLimitTest.Profile.class)
@QuarkusTestResource(value = Origins.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class RateLimitTest extends GatewayTestBase {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = new HashMap<>();
            c.put("ballast.gateway.upstreams.echo.endpoints", "${test.origin.0}");
            // 1/h: nothing refills during a test, so exactly the burst gets through.
            c.put("ballast.gateway.routes.whole.prefix", "/whole");
            c.put("ballast.gateway.routes.whole.upstream", "echo");
            c.put("ballast.gateway.routes.whole.rate-limit.rate", "1/h");
            c.put("ballast.gateway.routes.whole.rate-limit.burst", "2");
            c.put("ballast.gateway.routes.whole.rate-limit.key", "route");
            c.put("ballast.gateway.routes.keyed.prefix", "/keyed");
            c.put("ballast.gateway.routes.keyed.upstream", "echo");
            c.put("ballast.gateway.routes.keyed.rate-limit.rate", "1/h");
            c.put("ballast.gateway.routes.keyed.rate-limit.burst", "4");
            c.put("ballast.gateway.routes.keyed.rate-limit.key", "header:X-Api-Key");
            // No key: the default, client-ip. No trusted proxies: the loopback peer's X-Forwarded-For is not believed.
            c.put("ballast.gateway.routes.ip.prefix", "/ip");
            c.put("ballast.gateway.routes.ip.upstream", "echo");
            c.put("ballast.gateway.routes.ip.rate-limit.rate", "1/h");
            c.put("ballast.gateway.routes.ip.rate-limit.burst", "2");
            c.put("ballast.gateway.routes.strict.prefix", "/strict");
            c.put("ballast.gateway.routes.strict.upstream", "echo");
            c.put("ballast.gateway.routes.strict.rate-limit.rate", "1/h");
            c.put("ballast.gateway.routes.strict.rate-limit.burst", "100");
            c.put("ballast.gateway.routes.strict.rate-limit.fail-mode", "closed");
            c.put("ballast.gateway.rate-limit.replicas", "2");
            // Generous: the first decision on a cold connection (connect, EVALSHA, NOSCRIPT, EVAL) must not time out
            // into the local fallback on a loaded machine; a stopped Redis is refused at once, not waited for.
            c.put("ballast.gateway.rate-limit.redis-timeout", "5s");
            return c;
        }
    }

    @RedisServerResource.Inject
    RedisServer redis;

    /** The gateway's meters are registered here, not in Quarkus' composite (GatewayMetrics.direct). */

    @Inject
    PrometheusMeterRegistry registry;

    @Inject
    @Readiness
    GatewayReadiness readiness;

    @Inject
    io.vertx.core.Vertx vertx;

    /** The management port (only the port of this URL is used). */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    @Test
    void beyondTheBurstTheRouteAnswers429WithRateLimitHeadersAndAProblem() {
        assertThat(client.get("/whole/a").status()).isEqualTo(200);
        assertThat(client.get("/whole/b").status()).isEqualTo(200);

        Reply refused = client.get("/whole/c");

        assertThat(refused.status()).isEqualTo(429);
        assertThat(Long.parseLong(refused.headers().get("Retry-After"))).isBetween(3590L, 3600L);
        assertThat(refused.headers().get("RateLimit-Limit")).isEqualTo("2");
        assertThat(refused.headers().get("RateLimit-Remaining")).isEqualTo("0");
        assertThat(Long.parseLong(refused.headers().get("RateLimit-Reset"))).isBetween(7190L, 7200L);
        assertThat(refused.headers().get("content-type")).isEqualTo("application/problem+json");
        JsonObject problem = new JsonObject(refused.body());
        assertThat(problem.getString("type")).isEqualTo("https://ballast.dev/problems/rate-limited");
        assertThat(problem.getInteger("status")).isEqualTo(429);
        assertThat(problem.getString("route")).isEqualTo("whole");
        assertThat(registry.get("ballast.gateway.rate.limited").tag("route", "whole").counter().count())
                .isEqualTo(1);
    }

    @Test
    void eachApiKeyHasItsOwnBudgetSharedWithEveryOtherReplica() throws Exception {
        String key = UUID.randomUUID().toString();
        // A second replica spends two of the key's four requests through the same Redis.
        Redis other = Redis.createClient(vertx, redis.uri());
        try {
            RedisGcra replica = new RedisGcra(vertx, other, 5_000);
            for (int i = 0; i < 2; i++) {
                replica.decide("ballast:rl:keyed:h:" + hashed(key), Rate.parse("1/h"), 4)
                        .toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
            }
        } finally {
            other.close();
        }

        assertThat(keyed(key).status()).isEqualTo(200);
        assertThat(keyed(key).status()).isEqualTo(200);
        assertThat(keyed(key).status()).isEqualTo(429);
        assertThat(keyed(UUID.randomUUID().toString()).status()).isEqualTo(200);
    }

    @Test
    void anApiKeyNeverAppearsInARedisKeyName() {
        String apiKey = "sk-" + UUID.randomUUID();

        assertThat(keyed(apiKey).status()).isEqualTo(200);

        assertThat(redisCall(Request.cmd(Command.EXISTS).arg("ballast:rl:keyed:h:" + hashed(apiKey))).toInteger())
                .isEqualTo(1);
        assertThat(redisCall(Request.cmd(Command.KEYS).arg("*" + apiKey + "*")).size()).isZero();
    }

    @Test
    void theClientIpKeyIgnoresXForwardedForFromAnUntrustedPeer() {
        redisCall(Request.cmd(Command.DEL).arg("ballast:rl:ip:ip:127.0.0.1"));

        // Every request claims another client; the peer (loopback) is not a trusted proxy, so all share its budget.
        assertThat(fromClaimedClient("/ip/x", "203.0.113.1").status()).isEqualTo(200);
        assertThat(fromClaimedClient("/ip/x", "203.0.113.2").status()).isEqualTo(200);
        assertThat(fromClaimedClient("/ip/x", "203.0.113.3").status()).isEqualTo(429);
        assertThat(client.send(HttpMethod.GET, "/ip/x", Map.of("Forwarded", "for=198.51.100.7"), null, false)
                .status()).isEqualTo(429);
        assertThat(redisCall(Request.cmd(Command.EXISTS).arg("ballast:rl:ip:ip:127.0.0.1")).toInteger()).isEqualTo(1);
    }

    @Test
    void aHeaderKeyFallsBackToTheClientIpWhenTheHeaderIsAbsent() {
        redisCall(Request.cmd(Command.DEL).arg("ballast:rl:keyed:ip:127.0.0.1"));

        // Burst 4 per key; without X-Api-Key the budget is the client IP's, which X-Forwarded-For cannot change.
        for (int i = 1; i <= 4; i++) {
            assertThat(fromClaimedClient("/keyed/x", "203.0.113." + i).status()).isEqualTo(200);
        }
        assertThat(fromClaimedClient("/keyed/x", "203.0.113.5").status()).isEqualTo(429);
        assertThat(redisCall(Request.cmd(Command.EXISTS).arg("ballast:rl:keyed:ip:127.0.0.1")).toInteger())
                .isEqualTo(1);
        // A client with a key still has its own budget.
        assertThat(keyed(UUID.randomUUID().toString()).status()).isEqualTo(200);
    }

    @Test
    void withRedisStoppedFailOpenRoutesUseTheLocalShareAndFailClosedRoutesAnswer503UntilRedisIsBack() {
        String key = UUID.randomUUID().toString();
        redis.stop();
        try {
            // Burst 4 shared by 2 replicas: this one allows 2 while Redis is away; no client errors.
            assertThat(keyed(key).status()).isEqualTo(200);
            assertThat(keyed(key).status()).isEqualTo(200);
            assertThat(keyed(key).status()).isEqualTo(429);
            Reply closed = client.get("/strict/x");
            assertThat(closed.status()).isEqualTo(503);
            assertThat(new JsonObject(closed.body()).getString("route")).isEqualTo("strict");
            assertThat(readiness.call().getData().orElseThrow()).containsEntry("rate-limit", "local fallback");
            assertThat(readiness.call().getStatus().name()).isEqualTo("UP");
            assertThat(management("/q/metrics")).contains("\nballast_gateway_rate_limit_redis_up 0.0\n");
        } finally {
            redis.restart();
        }

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(client.get("/strict/y").status()).isEqualTo(200);
            assertThat(readiness.call().getData().orElseThrow()).containsEntry("rate-limit", "redis");
            assertThat(management("/q/metrics")).contains("\nballast_gateway_rate_limit_redis_up 1.0\n");
        });
        assertThat(registry.get("ballast.gateway.rate.limit.decisions").tag("source", "local").functionCounter()
                .count()).isGreaterThanOrEqualTo(3);
    }

    private Reply keyed(String apiKey) {
        return client.send(HttpMethod.GET, "/keyed/x", Map.of("X-Api-Key", apiKey), null, false);
    }

    private Reply fromClaimedClient(String path, String claimedIp) {
        return client.send(HttpMethod.GET, path, Map.of("X-Forwarded-For", claimedIp), null, false);
    }

    /** What the gateway puts in a Redis key name for a header value: SHA-256, hex, the first 32 characters. */
    static String hashed(String headerValue) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(headerValue.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Response redisCall(Request request) {
        Redis direct = Redis.createClient(vertx, redis.uri());
        try {
            return direct.send(request).toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("Redis " + request.command() + " failed: " + e, e);
        } finally {
            direct.close();
        }
    }

    private String management(String path) {
        return GatewayClient.body(management.getPort(), path);
    }
}
