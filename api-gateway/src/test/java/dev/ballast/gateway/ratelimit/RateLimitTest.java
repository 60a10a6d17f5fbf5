package dev.ballast.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.gateway.health.GatewayReadiness;
import dev.ballast.gateway.testing.GatewayClient.Reply;
import dev.ballast.gateway.testing.GatewayTestBase;
import dev.ballast.gateway.testing.Origins;
import dev.ballast.testing.RedisServer;
import dev.ballast.testing.RedisServerResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
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
            c.put("ballast.gateway.routes.strict.prefix", "/strict");
            c.put("ballast.gateway.routes.strict.upstream", "echo");
            c.put("ballast.gateway.routes.strict.rate-limit.rate", "1/h");
            c.put("ballast.gateway.routes.strict.rate-limit.burst", "100");
            c.put("ballast.gateway.routes.strict.rate-limit.fail-mode", "closed");
            c.put("ballast.gateway.rate-limit.replicas", "2");
            c.put("ballast.gateway.rate-limit.redis-timeout", "500ms");
            return c;
        }
    }

    @RedisServerResource.Inject
    RedisServer redis;

    @Inject
    MeterRegistry registry;

    @Inject
    @Readiness
    GatewayReadiness readiness;

    @Inject
    io.vertx.core.Vertx vertx;

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
            RedisGcra replica = new RedisGcra(vertx, other, 2_000);
            for (int i = 0; i < 2; i++) {
                replica.decide("ballast:rl:keyed:h:" + key, Rate.parse("1/h"), 4)
                        .toCompletionStage().toCompletableFuture().get();
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
        } finally {
            redis.restart();
        }

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(client.get("/strict/y").status()).isEqualTo(200);
            assertThat(readiness.call().getData().orElseThrow()).containsEntry("rate-limit", "redis");
        });
        assertThat(registry.get("ballast.gateway.rate.limit.decisions").tag("source", "local").functionCounter()
                .count()).isGreaterThanOrEqualTo(3);
    }

    private Reply keyed(String apiKey) {
        return client.send(HttpMethod.GET, "/keyed/x", Map.of("X-Api-Key", apiKey), null, false);
    }
}
