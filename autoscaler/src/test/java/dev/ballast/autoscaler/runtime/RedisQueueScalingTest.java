package dev.ballast.autoscaler.runtime;

import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.testing.RedisServerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.stream.IntStream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * The loop against a real redis-server: a Celery backlog from the policies file scales the (dry-run) target up at
 * the behavior's rate, and a drained queue brings it down only once the 60 s stabilization window has passed.
 */
@QuarkusTest
@TestProfile(ManualTicks.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class RedisQueueScalingTest extends QueueLoopTest {

    static final PolicyKey POLICY = new PolicyKey("ml", "celery-workers");

    @Inject
    MeterRegistry meters;


    @BeforeEach
    void freshPolicyEmptyQueueAndOneReplica() {
        freshPolicy(POLICY, 1);
    }

    /** ballast_autoscaler_scale_events_total of the policy in one direction (0 before the policy's first tick). */
    private double scaleEvents(String direction) {
        io.micrometer.core.instrument.Counter c = meters.find("ballast.autoscaler.scale.events")
                .tags("policy_namespace", "ml", "policy", "celery-workers", "direction", direction).counter();
        return c == null ? 0 : c.count();
    }

    private int tickAfter(Duration d) {
        return tick(POLICY, d).desiredReplicas();
    }

    @Test
    @DisplayName("a Celery backlog scales up at the behavior's rate; a drained queue scales down after the stabilization window")
    void backlogUpThenDrainedDownAfterWindow() {
        redis.list(String.class).lpush("gpu", IntStream.range(0, 40).mapToObj(i -> "task-" + i).toArray(String[]::new));

        assertThat(tickAfter(Duration.ZERO)).as("40 tasks / 5 per replica = 8, capped by +4 pods per 15 s").isEqualTo(5);
        assertThat(tickAfter(Duration.ofSeconds(15))).as("the rest of the way").isEqualTo(8);

        redis.key().del("gpu");
        assertThat(tickAfter(Duration.ofSeconds(15))).as("drained, held by the 60 s window").isEqualTo(8);
        assertThat(tickAfter(Duration.ofSeconds(15))).isEqualTo(8);
        assertThat(tickAfter(Duration.ofSeconds(15))).as("45 s after the last high recommendation").isEqualTo(8);
        assertThat(tickAfter(Duration.ofSeconds(15)))
                .as("60 s after it: the window excludes its edge (horizontal.go: timestamp.After(cutoff))").isEqualTo(1);
    }

    @Test
    @DisplayName("the decision shows in /scaling/status, in the explain API and in the metrics")
    void decisionIsExposed() {
        redis.list(String.class).lpush("gpu", IntStream.range(0, 12).mapToObj(i -> "t" + i).toArray(String[]::new));
        // the counters live as long as the application, so other tests' rescales are in them: compare before and after
        double upBefore = scaleEvents("up");
        double downBefore = scaleEvents("down");

        tickAfter(Duration.ZERO);

        assertThat(scaleEvents("up")).as("one rescale up").isEqualTo(upBefore + 1);
        assertThat(scaleEvents("down")).isEqualTo(downBefore);

        given().when().get("/scaling/status").then().statusCode(200)
                .body("find { it.name == 'celery-workers' }.currentReplicas", equalTo(1))
                .body("find { it.name == 'celery-workers' }.desiredReplicas", equalTo(3));
        given().when().get("/scaling/policies/ml/celery-workers/decision").then().statusCode(200)
                .body("decision.metrics[0].name", equalTo("queue_depth"))
                .body("decision.metrics[0].currentAverageValue", equalTo("12"));
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("ballast_autoscaler_policy_desired_replicas{policy=\"celery-workers\",policy_namespace=\"ml\"} 3.0"))
                .body(containsString("ballast_autoscaler_policy_current_replicas{policy=\"celery-workers\",policy_namespace=\"ml\"} 3.0"))
                .body(containsString("ballast_autoscaler_policy_min_replicas{policy=\"celery-workers\",policy_namespace=\"ml\"} 1.0"))
                .body(containsString("ballast_autoscaler_policy_max_replicas{policy=\"celery-workers\",policy_namespace=\"ml\"} 10.0"))
                .body(containsString("ballast_autoscaler_policy_metric_value{metric=\"queue_depth\",policy=\"celery-workers\",policy_namespace=\"ml\"} 12.0"))
                .body(containsString("ballast_autoscaler_policy_metric_target{metric=\"queue_depth\",policy=\"celery-workers\",policy_namespace=\"ml\"} 5.0"))
                .body(containsString("ballast_autoscaler_scale_events_total{direction=\"up\",policy=\"celery-workers\",policy_namespace=\"ml\"} "
                        + (upBefore + 1)))
                .body(containsString("ballast_autoscaler_scale_events_total{direction=\"down\",policy=\"celery-workers\",policy_namespace=\"ml\"} "
                        + downBefore))
                .body(containsString("ballast_autoscaler_scale_failures_total{direction=\"up\",policy=\"celery-workers\",policy_namespace=\"ml\",reason=\"FailedUpdateScale\"} 0.0"))
                .body(containsString("ballast_autoscaler_scale_failures_total{direction=\"none\",policy=\"celery-workers\",policy_namespace=\"ml\",reason=\"FailedGetScale\"} 0.0"))
                .body(containsString("ballast_autoscaler_leader 1.0"));
    }
}
