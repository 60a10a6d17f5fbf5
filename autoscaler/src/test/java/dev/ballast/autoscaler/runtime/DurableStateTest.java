package dev.ballast.autoscaler.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ballast.autoscaler.config.AutoscalerConfig;
import dev.ballast.autoscaler.engine.ScalingHistory;
import dev.ballast.autoscaler.engine.ScalingHistory.MetricSeries;
import dev.ballast.autoscaler.engine.ScalingHistory.Recommendation;
import dev.ballast.autoscaler.engine.ScalingHistory.ScaleEvent;
import dev.ballast.autoscaler.registry.AuditEntry;
import dev.ballast.autoscaler.registry.OverrideRecord;
import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.autoscaler.state.StateStore;
import dev.ballast.autoscaler.state.StoredState;
import dev.ballast.autoscaler.state.TestStores;
import dev.ballast.testing.RedisServer;
import dev.ballast.testing.RedisServerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.inject.Inject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/**
 * State in a real redis-server survives a restart: the stabilization window keeps its original end (it neither
 * scales down early nor restarts the window), and the virtual target keeps its size. When Redis is down the
 * autoscaler keeps deciding on its memory copy and health says degraded.
 */
@QuarkusTest
@TestProfile(ManualTicks.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class DurableStateTest extends QueueLoopTest {

    static final PolicyKey POLICY = RedisQueueScalingTest.POLICY;

    @RedisServerResource.Inject
    RedisServer server;
    @Inject
    Redis redisClient;
    @Inject
    ObjectMapper json;
    @Inject
    AutoscalerConfig config;

    private int tickAfter(Duration d) {
        return tick(POLICY, d).desiredReplicas();
    }

    /** What a new process knows before its first tick: the policy, nothing else. */
    private void restart() {
        reloadPolicy(POLICY);
        actuator.forget(POLICY);
    }

    @Test
    @DisplayName("a restart keeps the stabilization window: no early scale-down, and the window ends when it would have")
    void restartKeepsWindow() {
        clock.advance(Duration.ofDays(1));
        restart();
        redis.key().del("gpu");
        redis.list(String.class).lpush("gpu", IntStream.range(0, 40).mapToObj(i -> "t" + i).toArray(String[]::new));
        tickAfter(Duration.ZERO);
        assertThat(tickAfter(Duration.ofSeconds(15))).isEqualTo(8);
        redis.key().del("gpu");
        assertThat(tickAfter(Duration.ofSeconds(15))).isEqualTo(8);

        restart();

        assertThat(tickAfter(Duration.ofSeconds(15))).as("restored: the target is still 8 and the window holds").isEqualTo(8);
        assertThat(tickAfter(Duration.ofSeconds(15))).isEqualTo(8);
        assertThat(tickAfter(Duration.ofSeconds(15)))
                .as("60 s after the last high recommendation, as without the restart (not 60 s after the restart)")
                .isEqualTo(1);
        assertThat(redis.key().keys("ballast:autoscaler:state:*")).contains("ballast:autoscaler:state:ml/celery-workers");
    }

    @Test
    @DisplayName("with Redis down, decisions go on from memory and health reports the state as degraded")
    void redisDownIsDegraded() {
        restart();
        tickAfter(Duration.ofHours(1));
        given().when().get("/q/health/ready").then().body("checks.find { it.name == 'autoscaler-state' }.data.state",
                equalTo("durable (redis)"));

        server.stop();
        try {
            tickAfter(Duration.ofSeconds(15));
            given().when().get("/q/health/ready").then().statusCode(200)
                    .body("checks.find { it.name == 'autoscaler-state' }.data.state", equalTo("degraded"))
                    .body("checks.name", hasItem("autoscaler-state"));
        } finally {
            server.restart();
        }
    }

    @Test
    @DisplayName("every part of the stored state round-trips through Redis into a new process's store, field by field")
    void fullStateRoundTrips() {
        PolicyKey key = new PolicyKey("ml", "round-trip");
        Instant t = Instant.parse("2026-03-04T05:06:07.123456789Z");
        ScalingHistory history = new ScalingHistory(
                List.of(new Recommendation(7, t.minusSeconds(45)), new Recommendation(5, t.minusSeconds(30)),
                        new Recommendation(3, t)),
                List.of(new ScaleEvent(4, t.minusSeconds(120)), new ScaleEvent(2, t.minusSeconds(60))),
                List.of(new ScaleEvent(3, t.minusSeconds(20))),
                t.minusSeconds(10), 2, t.plusSeconds(90),
                Map.of("queue_depth", new MetricSeries(15, new double[] {1000.0, 2500.5, 0.0, 40000.0}, t.minusSeconds(5)),
                        "in_flight", new MetricSeries(30, new double[] {12.0}, t)),
                t.minusSeconds(3600));
        OverrideRecord override = new OverrideRecord(4, "incident 42", t.plusSeconds(600), t.minusSeconds(1));
        List<AuditEntry> audit = List.of(new AuditEntry(t.minusSeconds(300), "set", 6, "load test", t.minusSeconds(240)),
                new AuditEntry(t.minusSeconds(250), "cleared", null, null, null),
                new AuditEntry(t.minusSeconds(1), "set", 4, "incident 42", t.plusSeconds(600)));
        StoredState saved = new StoredState(history, t.minusSeconds(20), override, audit, 5);

        TestStores.newStore(redisClient, json, config).save(key, saved);
        assertThat(redis.key().exists("ballast:autoscaler:state:ml/round-trip")).as("written to Redis").isTrue();
        StateStore fresh = TestStores.newStore(redisClient, json, config);
        StoredState loaded = fresh.load(key).orElseThrow();

        assertThat(fresh.degraded()).as("read from Redis, not from a memory copy").isNull();
        ScalingHistory h = loaded.history();
        assertThat(h.recommendations()).as("recommendations (stabilization window)").containsExactlyElementsOf(history.recommendations());
        assertThat(h.scaleUpEvents()).as("scale-up events (rate-limit policies)").containsExactlyElementsOf(history.scaleUpEvents());
        assertThat(h.scaleDownEvents()).as("scale-down events (rate-limit policies)").containsExactlyElementsOf(history.scaleDownEvents());
        assertThat(h.lastActiveTime()).as("last active time (scale-to-zero cooldown)").isEqualTo(history.lastActiveTime());
        assertThat(h.consecutiveFailures()).as("fallback counter").isEqualTo(2);
        assertThat(h.burstUntil()).as("burst hold").isEqualTo(history.burstUntil());
        assertThat(h.firstSeen()).as("first seen (initial cooldown)").isEqualTo(history.firstSeen());
        assertThat(h.series()).as("forecast series").containsOnlyKeys("queue_depth", "in_flight");
        history.series().forEach((name, series) -> {
            MetricSeries back = h.series().get(name);
            assertThat(back.stepSeconds()).as(name + " step").isEqualTo(series.stepSeconds());
            assertThat(back.values()).as(name + " values").containsExactly(series.values());
            assertThat(back.lastSampleAt()).as(name + " last sample").isEqualTo(series.lastSampleAt());
        });
        assertThat(loaded.lastScaleTime()).as("last scale time").isEqualTo(saved.lastScaleTime());
        assertThat(loaded.override()).as("override").isEqualTo(override);
        assertThat(loaded.audit()).as("override audit trail").containsExactlyElementsOf(audit);
        assertThat(loaded.virtualReplicas()).as("virtual target size").isEqualTo(5);
    }
}
