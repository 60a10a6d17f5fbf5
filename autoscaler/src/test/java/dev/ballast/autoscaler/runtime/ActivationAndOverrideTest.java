package dev.ballast.autoscaler.runtime;

import dev.ballast.autoscaler.engine.Decision;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.testing.RedisServerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * With a real redis-server: an RQ queue wakes a scaled-to-zero target and it returns to zero after the activation
 * cooldown; a manual override set through the API pins the target until it expires.
 */
@QuarkusTest
@TestProfile(ManualTicks.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class ActivationAndOverrideTest extends QueueLoopTest {

    static final PolicyKey BATCH = new PolicyKey("ml", "batch-workers");


    @BeforeEach
    void freshPolicyAtZero() {
        freshPolicy(BATCH, 0);
    }

    private Decision tickAfter(Duration d) {
        return tick(BATCH, d);
    }

    @Test
    @DisplayName("a task in the queue wakes the target from zero; it returns to zero after the cooldown")
    void wakeAndSleep() {
        assertThat(tickAfter(Duration.ZERO).desiredReplicas()).as("empty queue: stays at zero").isZero();

        redis.list(String.class).lpush("rq:queue:batch", "job-1");
        assertThat(tickAfter(Duration.ofSeconds(15)).desiredReplicas()).as("woken").isEqualTo(1);

        redis.key().del("rq:queue:batch");
        assertThat(tickAfter(Duration.ofSeconds(15)).desiredReplicas()).as("cooling down").isEqualTo(1);
        assertThat(tickAfter(Duration.ofSeconds(90)).desiredReplicas()).as("105 s idle").isEqualTo(1);
        Decision asleep = tickAfter(Duration.ofSeconds(30));
        assertThat(asleep.desiredReplicas()).as("135 s idle > 120 s cooldown").isZero();
        assertThat(asleep.condition("Active").reason()).isEqualTo("ScaledToZero");
    }

    @Test
    @DisplayName("a restart in the middle of the scale-to-zero cooldown neither scales to zero early nor restarts the cooldown")
    void restartKeepsCooldown() {
        tickAfter(Duration.ZERO);
        redis.list(String.class).lpush("rq:queue:batch", "job-1");
        assertThat(tickAfter(Duration.ofSeconds(15)).desiredReplicas()).as("woken (last activity now)").isEqualTo(1);
        redis.key().del("rq:queue:batch");
        assertThat(tickAfter(Duration.ofSeconds(15)).desiredReplicas()).as("15 s idle").isEqualTo(1);
        assertThat(tickAfter(Duration.ofSeconds(60)).desiredReplicas()).as("75 s idle").isEqualTo(1);

        reloadPolicy(BATCH);
        actuator.forget(BATCH);

        Decision restored = tickAfter(Duration.ofSeconds(30));
        assertThat(restored.currentReplicas()).as("the virtual target's size is restored too").isEqualTo(1);
        assertThat(restored.desiredReplicas()).as("105 s idle, after the restart: still cooling down").isEqualTo(1);
        Decision asleep = tickAfter(Duration.ofSeconds(30));
        assertThat(asleep.desiredReplicas())
                .as("135 s after the last activity > 120 s cooldown, as without the restart (not 120 s after the restart)")
                .isZero();
        assertThat(asleep.condition("Active").reason()).isEqualTo("ScaledToZero");
    }

    @Test
    @DisplayName("an override set through the API survives a restart that happens before the next tick")
    void overrideSurvivesRestart() {
        tickAfter(Duration.ZERO);
        given().contentType(ContentType.JSON).body("{\"replicas\": 2, \"reason\": \"incident\", \"ttlSeconds\": 600}")
                .when().post("/scaling/policies/ml/batch-workers/override").then().statusCode(200);

        ScalingPolicySpec spec = PoliciesFile.load("classpath:runtime/queue-policies.yaml", "default").get(BATCH).spec();
        registry.remove(BATCH);
        registry.upsert(BATCH, spec);
        store.dropMemory();
        ticker.forgetRestored(BATCH);

        Decision d = tickAfter(Duration.ofSeconds(15));
        assertThat(d.desiredReplicas()).isEqualTo(2);
        assertThat(d.condition("Overridden").message()).contains("incident");
    }

    @Test
    @DisplayName("an override set through the API pins the target until it expires")
    void overridePinsAndExpires() {
        tickAfter(Duration.ZERO);
        given().contentType(ContentType.JSON).body("{\"replicas\": 3, \"reason\": \"load test\", \"ttlSeconds\": 60}")
                .when().post("/scaling/policies/ml/batch-workers/override").then().statusCode(200);

        Decision pinned = tickAfter(Duration.ofSeconds(15));
        assertThat(pinned.desiredReplicas()).isEqualTo(3);
        assertThat(pinned.condition("Overridden").reason()).isEqualTo("ManualOverride");

        assertThat(tickAfter(Duration.ofSeconds(30)).desiredReplicas()).as("45 s into 60 s").isEqualTo(3);
        Decision expired = tickAfter(Duration.ofSeconds(30));
        assertThat(expired.condition("Overridden")).as("75 s: expired").isNull();
        assertThat(expired.desiredReplicas()).as("no longer pinned at 3: the empty queue and minReplicas 0 decide again")
                .isZero();
        assertThat(expired.condition("Active").reason()).isEqualTo("ScaledToZero");
    }
}
