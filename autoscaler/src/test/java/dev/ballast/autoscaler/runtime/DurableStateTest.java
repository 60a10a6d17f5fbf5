package dev.ballast.autoscaler.runtime;

import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.testing.RedisServer;
import dev.ballast.testing.RedisServerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
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
}
